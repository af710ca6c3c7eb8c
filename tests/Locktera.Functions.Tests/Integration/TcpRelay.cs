using System.Net;
using System.Net.Sockets;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// A loopback port that forwards every connection to <paramref name="target"/> while it is up: a
/// storage endpoint a test can take down (every connection cut, none accepted) and bring back.
/// </summary>
public sealed class TcpRelay(IPEndPoint target) : IAsyncDisposable
{
    private readonly List<TcpClient> _connections = [];
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;
    private Task _accepting = Task.CompletedTask;

    public int Port { get; private set; }

    public static TcpRelay To(Uri endpoint) => new(new IPEndPoint(IPAddress.Loopback, endpoint.Port));

    /// <summary>Starts forwarding, on the port it had before if it was up already once.</summary>
    public void Start()
    {
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _stop = new CancellationTokenSource();
        _accepting = AcceptAsync(_listener, _stop.Token);
    }

    /// <summary>Stops: the port refuses connections and every open one is cut.</summary>
    public async Task StopAsync()
    {
        await _stop!.CancelAsync();
        _listener!.Stop();
        await _accepting;
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }
            _connections.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop is { IsCancellationRequested: false })
        {
            await StopAsync();
        }
        _stop?.Dispose();
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var upstream = new TcpClient();
            lock (_connections)
            {
                _connections.Add(client);
                _connections.Add(upstream);
            }
            _ = RelayAsync(client, upstream);
        }
    }

    private async Task RelayAsync(TcpClient client, TcpClient upstream)
    {
        try
        {
            await upstream.ConnectAsync(target);
            await Task.WhenAny(client.GetStream().CopyToAsync(upstream.GetStream()), upstream.GetStream().CopyToAsync(client.GetStream()));
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Cut by a stop, or by either side.
        }
        finally
        {
            client.Dispose();
            upstream.Dispose();
        }
    }
}
