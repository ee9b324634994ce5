using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Doppel.Storage.Postgres.Tests;

/// <summary>What a client sent PostgreSQL over a stretch of time, read off the wire (protocol 3.0 messages).</summary>
/// <param name="Executed">Statements the server ran: one per Execute message, plus each statement of a simple Query.</param>
/// <param name="Parsed">Parse messages: statements the server parsed and planned afresh (a prepared one is only bound).</param>
/// <param name="Syncs">Sync messages: extended-protocol exchanges, each answered by a ReadyForQuery.</param>
/// <param name="Queries">The text of each simple Query message (Npgsql's BEGIN, its pool reset).</param>
/// <param name="RoundTrips">Times the client sent after the server had answered: the waits a request costs.</param>
public sealed record WireCount(int Executed, int Parsed, int Syncs, IReadOnlyList<string> Queries, int RoundTrips)
{
    public override string ToString() =>
        $"{Executed} statements executed, {Parsed} parsed, {Syncs} syncs, {RoundTrips} round trips, queries [{string.Join(" | ", Queries)}]";
}

/// <summary>
/// A TCP relay between Npgsql and a PostgreSQL server on 127.0.0.1 that counts the frontend messages going through it
/// (<see cref="WireCount"/>): the server's own view of a request's cost in statements, without pg_stat_statements.
/// The client must not use TLS (<c>SSL Mode=Disable</c>), or the messages cannot be read.
/// </summary>
public sealed class WireCounter : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private readonly Lock _gate = new();
    private int _executed, _parsed, _syncs, _roundTrips;
    private List<string> _queries = [];

    private WireCounter(IPEndPoint server)
    {
        _server = server;
        _listener.Start();
        _pumps.Add(AcceptAsync());
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static WireCounter Start(string host, int port) => new(new IPEndPoint(IPAddress.Parse(host), port));

    /// <summary>What <paramref name="action"/> sent: counted from its start to its end (a client awaits its answers, so
    /// everything it sent has gone through by then).</summary>
    public async Task<WireCount> CountAsync(Func<Task> action)
    {
        lock (_gate)
        {
            _executed = _parsed = _syncs = _roundTrips = 0;
            _queries = [];
        }
        await action();
        lock (_gate)
            return new WireCount(_executed, _parsed, _syncs, _queries, _roundTrips);
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var server = new TcpClient();
                await server.ConnectAsync(_server, _stop.Token);
                client.NoDelay = server.NoDelay = true;
                var connection = new Relay();
                lock (_gate)
                {
                    _pumps.Add(PumpAsync(client, server, connection, fromClient: true));
                    _pumps.Add(PumpAsync(server, client, connection, fromClient: false));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    /// <summary>One relayed connection: the frontend bytes not yet parsed, and who spoke last.</summary>
    private sealed class Relay
    {
        public readonly List<byte> Pending = [];
        public bool Started;
        public bool ServerSpokeLast = true;
    }

    private async Task PumpAsync(TcpClient from, TcpClient to, Relay relay, bool fromClient)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            var input = from.GetStream();
            var output = to.GetStream();
            while (true)
            {
                int read = await input.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                    break;
                lock (_gate)
                {
                    if (fromClient)
                    {
                        if (relay.ServerSpokeLast)
                            _roundTrips++;
                        relay.ServerSpokeLast = false;
                        relay.Pending.AddRange(buffer.AsSpan(0, read));
                        ParseFrontend(relay);
                    }
                    else
                        relay.ServerSpokeLast = true;
                }
                await output.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
        {
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }

    /// <summary>Counts every whole message in <see cref="Relay.Pending"/> (the caller holds the lock).</summary>
    private void ParseFrontend(Relay relay)
    {
        var bytes = relay.Pending;
        while (true)
        {
            if (!relay.Started)
            {
                // Startup packets have no type byte: length, then a code (SSL and GSS requests come before the startup one).
                if (bytes.Count < 8)
                    return;
                int length = BinaryPrimitives.ReadInt32BigEndian([.. bytes.GetRange(0, 4)]);
                if (bytes.Count < length)
                    return;
                int code = BinaryPrimitives.ReadInt32BigEndian([.. bytes.GetRange(4, 4)]);
                relay.Started = code is not (80877103 or 80877104);
                bytes.RemoveRange(0, length);
                continue;
            }
            if (bytes.Count < 5)
                return;
            int size = BinaryPrimitives.ReadInt32BigEndian([.. bytes.GetRange(1, 4)]);
            if (bytes.Count < 1 + size)
                return;
            char type = (char)bytes[0];
            switch (type)
            {
                case 'Q':
                    var text = Encoding.UTF8.GetString([.. bytes.GetRange(5, size - 5)]).TrimEnd('\0');
                    _queries.Add(text);
                    _executed += text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length;
                    break;
                case 'P':
                    _parsed++;
                    break;
                case 'E':
                    _executed++;
                    break;
                case 'S':
                    _syncs++;
                    break;
            }
            bytes.RemoveRange(0, 1 + size);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] pumps;
        lock (_gate)
            pumps = [.. _pumps];
        await Task.WhenAll(pumps);
        _stop.Dispose();
    }
}
