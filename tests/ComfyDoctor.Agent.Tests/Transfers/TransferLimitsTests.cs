using ComfyDoctor.Agent.Transfers;

namespace ComfyDoctor.Agent.Tests.Transfers;

public sealed class TransferLimitsTests
{
    [Fact]
    public async Task Transfers_at_once_stay_within_the_worker_and_source_limits()
    {
        using var limits = new TransferLimits(perWorker: 3, perSource: 2);
        var (worker, peakWorker) = (0, 0);
        var perSource = new Dictionary<string, (int Now, int Peak)> { ["a"] = (0, 0), ["b"] = (0, 0) };
        var gate = new Lock();

        var transfers = Enumerable
            .Range(0, 12)
            .Select(i =>
                limits.InWorkerTurnAsync(
                    () =>
                        limits.InSourceTurnAsync(
                            i % 2 == 0 ? "a" : "b",
                            async () =>
                            {
                                var source = i % 2 == 0 ? "a" : "b";
                                lock (gate)
                                {
                                    peakWorker = Math.Max(peakWorker, ++worker);
                                    var (now, peak) = perSource[source];
                                    perSource[source] = (now + 1, Math.Max(peak, now + 1));
                                }

                                await Task.Delay(20); // without the limits all twelve would overlap here
                                lock (gate)
                                {
                                    worker--;
                                    perSource[source] = (perSource[source].Now - 1, perSource[source].Peak);
                                }

                                return i;
                            },
                            CancellationToken.None
                        ),
                    CancellationToken.None
                )
            )
            .ToList();

        Assert.Equal(Enumerable.Range(0, 12), await Task.WhenAll(transfers));
        Assert.InRange(peakWorker, 1, 3);
        Assert.All(perSource.Values, s => Assert.InRange(s.Peak, 1, 2));
    }
}
