namespace ComfyDoctor.Server.Tests.Relay;

/// <summary>
/// One relayed download under the test's control: gpu-01 and gpu-02 enrolled and scanned, gpu-02's agent serving (its relay
/// uploads counted by <see cref="Uploads"/>), gpu-01's repair claimed by the test in gpu-01's name, the largest model asked
/// from gpu-02 and its first chunk read (<see cref="First"/>); on PostgreSQL the window is then full (the upload waits for the
/// download). Disposed: gpu-02's agent stops.
/// </summary>
internal sealed class RelayedDownload : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _serving = Task.CompletedTask;
    private HttpClient? _client;

    public HttpResponseMessage? Response { get; private set; }

    public Stream Body { get; private set; } = Stream.Null;

    public RegistryEntryWire Model { get; private set; } = new("", "", 0);

    public byte[] First { get; } = new byte[RelayRig.ChunkBytes];

    public UploadFaults Uploads { get; } = new(_ => UploadFault.None);

    public static async Task<RelayedDownload> StartAsync(RelayRig rig)
    {
        var download = new RelayedDownload();
        try
        {
            await download.BeginAsync(rig);
            return download;
        }
        catch
        {
            await download.DisposeAsync();
            throw;
        }
    }

    private async Task BeginAsync(RelayRig rig)
    {
        var one = rig.Agent(0, rig.Down);
        var two = rig.Agent(1, rig.Up, Uploads);
        await rig.ScanAsync(one, two);
        _serving = two.RunAsync(_stop.Token);
        await rig.RepairAsync();
        (_client, Model) = await rig.ClaimRepairAsync();
        Response = await RelayRig.RelayedAsync(_client, Model);
        Body = await Response.Content.ReadAsStreamAsync();
        await Body.ReadExactlyAsync(First);
        if (rig.Down != rig.Up)
        {
            await RelayRig.WaitUntilAsync(async () => (await rig.RowsAsync()).Chunks == RelayRig.Window, "the window filled");
        }
    }

    /// <summary>gpu-01 goes away: its connection closes.</summary>
    public void Abandon() => Response?.Dispose();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _serving.ContinueWith(_ => { }, TaskScheduler.Default);
        await Body.DisposeAsync();
        Response?.Dispose();
        _client?.Dispose();
        _stop.Dispose();
    }
}
