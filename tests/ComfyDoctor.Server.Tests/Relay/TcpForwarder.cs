using System.Net;
using System.Net.Sockets;

namespace ComfyDoctor.Server.Tests.Relay;

/// <summary>
/// A real TCP forwarder on 127.0.0.1 in front of another port (a replica's way to its database): <see cref="Cut"/> closes the
/// listener and every connection through it, so whoever used it loses that peer at once, as a replica does when its network
/// or its host goes.
/// </summary>
internal sealed class TcpForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _cut = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;

    public TcpForwarder(int targetPort)
    {
        _listener.Start();
        _accepting = AcceptAsync(targetPort);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync(int targetPort)
    {
        while (!_cut.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(_cut.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var outbound = new TcpClient();
            await outbound.ConnectAsync(IPAddress.Loopback, targetPort);
            lock (_open)
            {
                _open.Add(inbound);
                _open.Add(outbound);
            }

            _ = PumpAsync(inbound.GetStream(), outbound.GetStream());
            _ = PumpAsync(outbound.GetStream(), inbound.GetStream());
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to)
    {
        try
        {
            await from.CopyToAsync(to, _cut.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // cut, or one side closed
        }
    }

    /// <summary>Closes the listener and every connection (reset, not a graceful close).</summary>
    public async Task Cut()
    {
        await _cut.CancelAsync();
        _listener.Stop();
        lock (_open)
        {
            foreach (var client in _open)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
            }

            _open.Clear();
        }

        await _accepting;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_cut.IsCancellationRequested)
        {
            await Cut();
        }

        _cut.Dispose();
    }
}
