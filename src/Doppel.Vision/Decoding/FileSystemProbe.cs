using System.Runtime.InteropServices;

namespace Doppel.Vision.Decoding;

/// <summary>What kind of object a path names, from <c>lstat</c>/<c>stat</c>: .NET's own file API does
/// not say whether a file is a FIFO or a device, and opening a FIFO to find out blocks until some
/// other process writes to it.</summary>
public enum FileKind { Missing, Regular, Directory, SymbolicLink, Fifo, CharacterDevice, BlockDevice, Socket, Other }

public readonly record struct FileProbe(FileKind Kind, long Size, DateTime LastWriteUtc, int Error);

/// <summary>
/// <c>lstat</c>, <c>stat</c> and <c>realpath</c> through the runtime's own native shim
/// (<c>libSystem.Native</c>, shipped with every .NET runtime), whose <c>FileStatus</c> layout is the
/// same on every architecture, unlike libc's <c>struct stat</c>.
/// </summary>
public static class FileSystemProbe
{
    private const string SystemNative = "libSystem.Native";

    /// <summary>The runtime's <c>FileStatus</c> (src/native/libs/System.Native/pal_io.h); only the
    /// fields before <see cref="Dev"/> and the type bits of <see cref="Mode"/> are read.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct FileStatus
    {
        public int Flags;
        public int Mode;
        public uint Uid;
        public uint Gid;
        public long Size;
        public long ATime, ATimeNsec, MTime, MTimeNsec, CTime, CTimeNsec, BirthTime, BirthTimeNsec;
        public long Dev, RDev, Ino;
        public uint UserFlags;
    }

    [DllImport(SystemNative, EntryPoint = "SystemNative_LStat", SetLastError = true)]
    private static extern int LStatNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out FileStatus output);

    [DllImport(SystemNative, EntryPoint = "SystemNative_Stat", SetLastError = true)]
    private static extern int StatNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out FileStatus output);

    [DllImport(SystemNative, EntryPoint = "SystemNative_RealPath", SetLastError = true)]
    private static extern IntPtr RealPathNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [DllImport(SystemNative, EntryPoint = "SystemNative_Free")]
    private static extern void FreeNative(IntPtr pointer);

    /// <summary>ELOOP on Linux: too many levels of symbolic links.</summary>
    public const int ELoop = 40;

    /// <summary>The object <paramref name="path"/> names, not following a final symbolic link.</summary>
    public static FileProbe LStat(string path) => Probe(path, follow: false);

    /// <summary>The object <paramref name="path"/> names after following every symbolic link.</summary>
    public static FileProbe Stat(string path) => Probe(path, follow: true);

    private static FileProbe Probe(string path, bool follow)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return ManagedProbe(path, follow);
        int rc = follow ? StatNative(path, out var status) : LStatNative(path, out status);
        if (rc != 0)
            return new FileProbe(FileKind.Missing, 0, default, Marshal.GetLastPInvokeError());
        var kind = (status.Mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Other,
        };
        return new FileProbe(kind, status.Size, DateTime.UnixEpoch.AddTicks(status.MTime * TimeSpan.TicksPerSecond + status.MTimeNsec / 100), 0);
    }

    /// <summary>Windows has no FIFOs behind a file name and no POSIX shim; .NET's view is enough there.</summary>
    private static FileProbe ManagedProbe(string path, bool follow)
    {
        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (!info.Exists && info.LinkTarget is null)
            return new FileProbe(FileKind.Missing, 0, default, 2);
        if (!follow && info.LinkTarget is not null)
            return new FileProbe(FileKind.SymbolicLink, 0, info.LastWriteTimeUtc, 0);
        if (follow && info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is not { Exists: true })
            return new FileProbe(FileKind.Missing, 0, default, 2);
        return info is FileInfo file ? new FileProbe(FileKind.Regular, file.Length, file.LastWriteTimeUtc, 0) : new FileProbe(FileKind.Directory, 0, info.LastWriteTimeUtc, 0);
    }

    /// <summary>The canonical path (every link resolved), or null with the error number.</summary>
    public static string? RealPath(string path, out int error)
    {
        error = 0;
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            var full = Path.GetFullPath(path);
            FileSystemInfo info = Directory.Exists(full) ? new DirectoryInfo(full) : new FileInfo(full);
            return info.LinkTarget is null ? full : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName;
        }
        var pointer = RealPathNative(path);
        if (pointer == IntPtr.Zero)
        {
            error = Marshal.GetLastPInvokeError();
            return null;
        }
        try
        {
            return Marshal.PtrToStringUTF8(pointer);
        }
        finally
        {
            FreeNative(pointer);
        }
    }
}
