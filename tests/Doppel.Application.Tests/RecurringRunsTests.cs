using Doppel.Application.Automation;

namespace Doppel.Application.Tests;

/// <summary>The loop of automate and watch: passes never overlap, it stops after the count, and cancelling
/// it between passes ends it quietly.</summary>
public class RecurringRunsTests
{
    [Fact]
    public async Task RunsTheGivenNumberOfPassesOneAtATime()
    {
        int running = 0, most = 0;
        var passes = new List<int>();
        using var trigger = new SemaphoreSlim(0);
        var runs = await RecurringRuns.RunAsync(async (run, token) =>
        {
            most = Math.Max(most, Interlocked.Increment(ref running));
            passes.Add(run);
            trigger.Release(); // a file event during the pass: the next pass follows the quiet second
            await Task.Yield();
            Interlocked.Decrement(ref running);
        }, TimeSpan.FromMilliseconds(10), times: 3, trigger, TestContext.Current.CancellationToken);
        runs.ShouldBe(3);
        passes.ShouldBe([1, 2, 3]);
        most.ShouldBe(1);
    }

    [Fact]
    public async Task CancellingBetweenPassesEndsTheLoopWithoutAnError()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        using var trigger = new SemaphoreSlim(0);
        var runs = await RecurringRuns.RunAsync((run, token) =>
        {
            if (run == 2)
                stop.Cancel();
            return Task.CompletedTask;
        }, TimeSpan.FromMilliseconds(10), times: 0, trigger, stop.Token);
        runs.ShouldBe(2);
    }
}
