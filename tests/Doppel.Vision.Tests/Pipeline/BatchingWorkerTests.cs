using Doppel.Vision.Pipeline;

namespace Doppel.Vision.Tests.Pipeline;

/// <summary>The pipeline worker's scheduling, with plain strings for images: what is taken is handed on
/// exactly once, whatever the other workers do.</summary>
public sealed class BatchingWorkerTests
{
    private static async Task<(List<List<string>> Batches, List<string> Discarded)> Run(
        BatchingWorker.TryTake<string> take, Func<bool> looksEmpty, int batchWeight, CancellationToken? stop = null, Func<string, string>? prepare = null)
    {
        var batches = new List<List<string>>();
        var discarded = new List<string>();
        await BatchingWorker.RunAsync(take, looksEmpty, prepare ?? (p => p), _ => 1, batchWeight,
            (batch, _) => { batches.Add(batch); return Task.CompletedTask; }, discarded.Add, stop ?? TestContext.Current.CancellationToken);
        return (batches, discarded);
    }

    /// <summary>
    /// The race behind an intermittent NullReferenceException in <c>doppel embed</c>: this worker takes
    /// "a", sees one more item in the queue and waits to batch it, but another worker takes that last item
    /// first. The old loop then left with "a" unembedded (its result never came back); now it is flushed.
    /// </summary>
    [Fact]
    public async Task An_item_held_when_another_worker_takes_the_last_one_is_still_flushed()
    {
        var items = new Queue<string>(["a"]);
        // Before "a" is taken the queue holds it; after, it still looks non-empty once (the other
        // worker's item), but that item is gone by the time this worker asks for it.
        var looksEmpty = false;
        var (batches, discarded) = await Run(
            items.TryDequeue,
            () => { var empty = looksEmpty; looksEmpty = true; return empty; },
            batchWeight: 32);

        batches.ShouldHaveSingleItem().ShouldBe(["a"]);
        discarded.ShouldBeEmpty();
    }

    [Fact]
    public async Task Items_go_out_in_batches_of_the_given_weight_and_the_rest_at_the_end()
    {
        var items = new Queue<string>(Enumerable.Range(0, 7).Select(i => $"i{i}"));
        var (batches, discarded) = await Run(items.TryDequeue, () => items.Count == 0, batchWeight: 3);

        batches.Select(b => b.Count).ShouldBe([3, 3, 1]);
        batches.SelectMany(b => b).ShouldBe(Enumerable.Range(0, 7).Select(i => $"i{i}"));
        discarded.ShouldBeEmpty();
    }

    [Fact]
    public async Task Stopping_discards_what_was_prepared_but_not_flushed()
    {
        using var stop = new CancellationTokenSource();
        var items = new Queue<string>(["a", "b", "c", "d"]);
        var (batches, discarded) = await Run(items.TryDequeue, () => items.Count == 0, batchWeight: 10, stop.Token,
            prepare: p => { if (p == "b") stop.Cancel(); return p; });

        batches.ShouldBeEmpty();
        discarded.ShouldBe(["a", "b"]);
        items.Count.ShouldBe(2);
    }

    /// <summary>Eight workers share a real queue of 500 items; every item comes out exactly once.</summary>
    [Fact]
    public async Task Concurrent_workers_hand_on_every_item_exactly_once()
    {
        for (int round = 0; round < 20; round++)
        {
            var queue = new System.Collections.Concurrent.ConcurrentQueue<string>(Enumerable.Range(0, 500).Select(i => i.ToString()));
            var flushed = new System.Collections.Concurrent.ConcurrentBag<string>();
            var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(() => BatchingWorker.RunAsync<string, string>(
                queue.TryDequeue, () => queue.IsEmpty, p => p, _ => 1, 7,
                (batch, _) => { foreach (var x in batch) flushed.Add(x); return Task.CompletedTask; },
                _ => throw new InvalidOperationException("nothing should be discarded"), TestContext.Current.CancellationToken), TestContext.Current.CancellationToken)).ToArray();
            await Task.WhenAll(workers);
            flushed.Order().ShouldBe(Enumerable.Range(0, 500).Select(i => i.ToString()).Order());
        }
    }
}
