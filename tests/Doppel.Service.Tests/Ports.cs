using System.Net;
using System.Net.Sockets;

namespace Doppel.Service.Tests;

internal static class Ports
{
    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago (for a process that must be told its port).</summary>
    public static int Free()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
