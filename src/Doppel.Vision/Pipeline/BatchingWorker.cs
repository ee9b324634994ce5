namespace Doppel.Vision.Pipeline;

/// <summary>
/// The scheduling of one pipeline worker, apart from the models: take items off a source shared with
/// other workers, prepare each (decode and detect), and hand them on in batches once they weigh
/// <c>batchWeight</c> (faces) or the source looks empty. Whatever the interleaving with the other
/// workers, every item taken is handed on exactly once (or discarded when stopped): a worker that
/// waited for more and then found the last item gone to another worker flushes what it holds.
/// </summary>
public static class BatchingWorker
{
    /// <param name="tryTake">Takes the next item; false when none is left (another worker may just have taken it).</param>
    /// <param name="looksEmpty">Whether the source is empty now; a hint only, it may change right after.</param>
    /// <param name="flush">Handles a batch (embeds and writes it); owns the items from then on.</param>
    /// <param name="discard">Frees an item that was prepared but will not be flushed (stop requested, or an error).</param>
    public static async Task RunAsync<TItem, T>(
        TryTake<TItem> tryTake, Func<bool> looksEmpty, Func<TItem, T> prepare, Func<T, int> weight, int batchWeight,
        Func<List<T>, CancellationToken, Task> flush, Action<T> discard, CancellationToken stop)
    {
        var pending = new List<T>();
        try
        {
            int pendingWeight = 0;
            while (!stop.IsCancellationRequested && tryTake(out var item))
            {
                var prepared = prepare(item);
                pending.Add(prepared);
                pendingWeight += weight(prepared);
                if (pendingWeight < batchWeight && !looksEmpty())
                    continue;
                pendingWeight = 0;
                await FlushAsync(pending, flush, stop).ConfigureAwait(false);
            }
            // The source looked non-empty, then another worker took its last item: flush what is held.
            if (!stop.IsCancellationRequested && pending.Count > 0)
                await FlushAsync(pending, flush, stop).ConfigureAwait(false);
        }
        finally
        {
            foreach (var item in pending)
                discard(item);
        }
    }

    /// <summary>Hands the pending items over; the list is emptied first, so that nothing is both
    /// flushed and discarded if the flush throws.</summary>
    private static Task FlushAsync<T>(List<T> pending, Func<List<T>, CancellationToken, Task> flush, CancellationToken stop)
    {
        var batch = pending.ToList();
        pending.Clear();
        return flush(batch, stop);
    }

    public delegate bool TryTake<TItem>([System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TItem item);
}
