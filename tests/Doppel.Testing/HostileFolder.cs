using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Doppel.Testing;

/// <summary>
/// Writes the file-system objects a hostile or careless folder holds (issue 12, rows 1-3 and 8) and the
/// status each must get from the scan. Made with the real system calls (symlink, mkfifo), not mocks.
/// </summary>
public static class HostileFolder
{
    /// <summary>One planted entry: its path relative to the folder and the scan status code it must get
    /// ("ok" for files the scan reads; the decoder then gives their image status).</summary>
    public sealed record Planted(string RelativePath, string ScanStatus);

    [DllImport("libc.so.6", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MkFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    /// <summary>Plants every kind under <paramref name="dir"/>; returns them (bad names under the name
    /// .NET reads back, with U+FFFD). Unreadable entries are left out when <paramref name="withUnreadable"/>
    /// is false (they need a non-root reader; see <see cref="AsNobody"/>).</summary>
    public static IReadOnlyList<Planted> Plant(string dir, bool withUnreadable = false)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("FIFOs, symbolic links and file modes as POSIX has them");
        var planted = new List<Planted>();
        void Link(string name, string target, string status)
        {
            File.CreateSymbolicLink(Path.Combine(dir, name), target);
            planted.Add(new Planted(name, status));
        }
        Link("dangling.jpg", "/nonexistent/doppel/x.jpg", "dangling_link");
        Link("cycle-a.jpg", Path.Combine(dir, "cycle-b.jpg"), "loop");
        Link("cycle-b.jpg", Path.Combine(dir, "cycle-a.jpg"), "loop");
        Link("loop", ".", "loop");                       // ln -s . loop
        Link("zero.jpg", "/dev/zero", "outside_roots");  // a device, and outside the roots
        Link("etc", "/etc", "outside_roots");
        if (MkFifo(Path.Combine(dir, "fifo.jpg"), Convert.ToUInt32("644", 8)) != 0)
            throw new IOException($"mkfifo failed: errno {Marshal.GetLastPInvokeError()}");
        planted.Add(new Planted("fifo.jpg", "special_file"));

        // A file name that is not UTF-8 (byte 0xFF): .NET cannot even create one, so the shell does.
        Shell($"cd '{dir}' && touch \"$(printf 'bad\\377name.jpg')\"");
        planted.Add(new Planted("bad\uFFFDname.jpg", "bad_name"));

        File.WriteAllBytes(Path.Combine(dir, ".hidden.jpg"), [0xFF, 0xD8, 0xFF]);
        planted.Add(new Planted(".hidden.jpg", "hidden"));
        Directory.CreateDirectory(Path.Combine(dir, ".thumbnails"));
        File.WriteAllBytes(Path.Combine(dir, ".thumbnails", "t.jpg"), [0xFF, 0xD8, 0xFF]);
        planted.Add(new Planted(".thumbnails", "hidden"));
        // HEIC is read (so it gets the decoder's "unsupported"), not skipped.
        File.WriteAllBytes(Path.Combine(dir, "phone.heic"), [0, 0, 0, 24, .. "ftypheic"u8.ToArray(), 0, 0, 0, 0, .. "mif1heic"u8.ToArray()]);
        planted.Add(new Planted("phone.heic", "ok"));

        if (withUnreadable)
        {
            var locked = Path.Combine(dir, "locked");
            Directory.CreateDirectory(locked);
            File.WriteAllBytes(Path.Combine(locked, "inside.jpg"), [0xFF, 0xD8, 0xFF]);
            File.SetUnixFileMode(locked, UnixFileMode.None);
            planted.Add(new Planted("locked", "unreadable"));
            var secret = Path.Combine(dir, "secret.jpg");
            File.WriteAllBytes(secret, [0xFF, 0xD8, 0xFF]);
            File.SetUnixFileMode(secret, UnixFileMode.None);
            planted.Add(new Planted("secret.jpg", "unreadable"));
        }
        return planted;
    }

    /// <summary>Runs <paramref name="action"/> on a thread whose file-system identity is "nobody", so
    /// permission bits bind even when the tests run as root (setfsuid is per thread on Linux and drops
    /// CAP_DAC_OVERRIDE for that thread only).</summary>
    public static T AsNobody<T>(Func<T> action)
    {
        if (Environment.UserName != "root" && geteuid() != 0)
            return action();
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            setfsgid(65534);
            setfsuid(65534);
            try { result = action(); }
            catch (Exception e) { failure = e; }
            finally
            {
                setfsuid(0);
                setfsgid(0);
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
            throw new InvalidOperationException("action failed as nobody", failure);
        return result;
    }

    [DllImport("libc.so.6")] private static extern int setfsuid(uint uid);
    [DllImport("libc.so.6")] private static extern int setfsgid(uint gid);
    [DllImport("libc.so.6")] private static extern uint geteuid();

    private static void Shell(string command)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        using var process = Process.Start(start)!;
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new IOException($"sh -c {command} failed with {process.ExitCode}");
    }
}
