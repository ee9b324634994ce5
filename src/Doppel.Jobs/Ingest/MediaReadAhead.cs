using Doppel.Storage.Media;

namespace Doppel.Jobs.Ingest;

/// <summary>
/// Reads media from a store ahead of the pipeline's workers, so that a slow read (a blob's round trip) overlaps the
/// decoding and inference of the images before it instead of stalling a worker. Images are read in the order the
/// workers take them (the list's), at most <c>images</c> ahead and at most <c>bytes</c> held ahead (by each file's
/// registered size), several reads at once. Each image is still read exactly once: whichever comes first, the
/// read-ahead or the worker asking for it, claims it; a worker that outruns the read-ahead opens the image itself, as
/// without it. A file over the byte bound is never read ahead (the worker streams it, hashing past the file budget as
/// before), and one that grew past the bound since it was registered is handed over as what was read ahead followed by
/// the rest of its stream, so no byte is read twice and the bound holds. A read's error reaches the worker that asks
/// for the image, as if it had opened it. Dispose stops the reads and releases what no worker took.
/// </summary>
public sealed class MediaReadAhead : IDisposable
{
    /// <summary>Bytes held ahead of the workers at most: the default file budget (<c>DOPPEL_MAX_FILE_MB</c>, 64 MiB), so
    /// read-ahead adds at most one largest file's worth to a run's memory.</summary>
    public const long DefaultBytes = 64L << 20;

    private const int Unclaimed = 0, ClaimedByReadAhead = 1, ClaimedByWorker = 2;

    private sealed class Entry(string key, IMediaStore store, long size)
    {
        public string Key { get; } = key;
        public IMediaStore Store { get; } = store;
        public long Size { get; } = size;
        public int State;
        public bool Taken;
        public readonly TaskCompletionSource<Stream> Read = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly Entry[] _entries;
    private readonly int _images;
    private readonly long _bytes;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _released = new(0);
    private readonly object _gate = new();
    private int _aheadCount;
    private long _aheadBytes;
    private readonly Task _reader;
    private readonly List<Task> _reads = [];

    /// <param name="items">The images in the order the workers take them: key, the store that holds it, registered size.</param>
    /// <param name="images">At most this many read ahead and not yet taken (0: none, every worker opens its own).</param>
    /// <param name="bytes">At most this many bytes read ahead and not yet taken; a larger file is never read ahead.</param>
    public MediaReadAhead(IReadOnlyList<(string Key, IMediaStore Store, long Size)> items, int images, long bytes = DefaultBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        _entries = items.Select(i => new Entry(i.Key, i.Store, Math.Max(0, i.Size))).ToArray();
        _images = images;
        _bytes = Math.Min(bytes, Array.MaxLength);
        _reader = images == 0 ? Task.CompletedTask : Task.Run(ReadAheadAsync);
    }

    /// <summary>Images read ahead so far (by the read-ahead, not by a worker), for tests and progress logs.</summary>
    public int ReadAheadCount => _readAheadCount;

    private int _readAheadCount;

    /// <summary>Image <paramref name="index"/>'s bytes, on a pipeline worker (blocking, like a file read): what was read
    /// ahead, or the store's stream when nothing was. Each index is opened at most once.</summary>
    public Stream Open(int index, CancellationToken cancellationToken)
    {
        var entry = _entries[index];
        if (Interlocked.CompareExchange(ref entry.State, ClaimedByWorker, Unclaimed) == Unclaimed)
            return entry.Store.OpenReadAsync(entry.Key, cancellationToken).GetAwaiter().GetResult();
        if (entry.State != ClaimedByReadAhead)
            throw new InvalidOperationException($"{entry.Key} was opened twice.");
        try
        {
            var stream = entry.Read.Task.WaitAsync(cancellationToken).GetAwaiter().GetResult();
            entry.Taken = true;
            return stream;
        }
        finally
        {
            Release(entry);
        }
    }

    private void Release(Entry entry)
    {
        lock (_gate)
        {
            _aheadCount--;
            _aheadBytes -= entry.Size;
        }
        _released.Release();
    }

    private async Task ReadAheadAsync()
    {
        var token = _stop.Token;
        try
        {
            foreach (var entry in _entries)
            {
                if (entry.Store.ReadAhead == 0 || entry.Size > _bytes)
                    continue;
                // Room for it: fewer than the image bound ahead, and its bytes fit (or nothing else is ahead).
                bool claimed;
                while (true)
                {
                    bool room;
                    lock (_gate)
                    {
                        room = _aheadCount < _images && (_aheadCount == 0 || _aheadBytes + entry.Size <= _bytes);
                        // A worker may have got there first: it reads the image itself.
                        claimed = room && Interlocked.CompareExchange(ref entry.State, ClaimedByReadAhead, Unclaimed) == Unclaimed;
                        if (claimed)
                        {
                            _aheadCount++;
                            _aheadBytes += entry.Size;
                        }
                    }
                    if (room)
                        break;
                    await _released.WaitAsync(token).ConfigureAwait(false);
                }
                if (claimed)
                {
                    // Started off this loop (and off the lock): a store whose open does its work before its first await
                    // would otherwise read one image at a time.
                    var read = Task.Run(() => ReadAsync(entry, token), CancellationToken.None);
                    lock (_gate)
                        _reads.Add(read);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private async Task ReadAsync(Entry entry, CancellationToken token)
    {
        Interlocked.Increment(ref _readAheadCount);
        Stream? source = null;
        try
        {
            source = await entry.Store.OpenReadAsync(entry.Key, token).ConfigureAwait(false);
            // The registered size is the usual length (one buffer, no copy); a file that grew since is read up to the
            // bound, and what lies past it is left in its stream for the worker.
            var buffer = new byte[Math.Min(_bytes, Math.Max(entry.Size, 1))];
            int length = 0;
            var one = new byte[1];
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (await source.ReadAsync(one, token).ConfigureAwait(false) == 0)
                        break;
                    if (buffer.Length >= _bytes)
                    {
                        entry.Read.TrySetResult(new ContinuedStream(new MemoryStream(buffer, 0, length, writable: false), one[0], source));
                        source = null;
                        return;
                    }
                    Array.Resize(ref buffer, (int)Math.Min(_bytes, buffer.Length * 2L));
                    buffer[length++] = one[0];
                    continue;
                }
                int n = await source.ReadAsync(buffer.AsMemory(length), token).ConfigureAwait(false);
                if (n == 0)
                    break;
                length += n;
            }
            entry.Read.TrySetResult(new MemoryStream(buffer, 0, length, writable: false, publiclyVisible: true));
        }
        catch (Exception e)
        {
            entry.Read.TrySetException(e);
        }
        finally
        {
            if (source is not null)
                await source.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _reader.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }
        Task[] reads;
        lock (_gate)
            reads = [.. _reads];
        // Every read ends (cancelled, or done): none throws, each completes its entry.
        Task.WaitAll(reads);
        foreach (var entry in _entries.Where(e => e.State == ClaimedByReadAhead && !e.Taken && e.Read.Task.IsCompletedSuccessfully))
            entry.Read.Task.Result.Dispose();
        _stop.Dispose();
        _released.Dispose();
    }

    /// <summary>What was read ahead, then one byte read to find there was more, then the rest of the store's stream.</summary>
    private sealed class ContinuedStream(MemoryStream head, byte next, Stream rest) : Stream
    {
        private bool _nextRead;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (count == 0)
                return 0;
            int n = head.Read(buffer, offset, count);
            if (n > 0)
                return n;
            if (!_nextRead)
            {
                _nextRead = true;
                buffer[offset] = next;
                return 1;
            }
            return rest.Read(buffer, offset, count);
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                head.Dispose();
                rest.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
