using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace ComfyDoctor.Server.Transport;

/// <summary>
/// X-Forwarded-For / X-Forwarded-Proto are believed only from the configured proxies (addresses or CIDR networks): then the
/// client address that rate limits and audit records see is the real client. With none configured the headers are ignored
/// (ASP.NET Core would otherwise trust loopback by default).
/// </summary>
public static class TrustedProxies
{
    /// <summary>Null when every entry is an IP address or network; else the first one that is not.</summary>
    public static string? Problem(IEnumerable<string> proxies) =>
        proxies
            .Where(p =>
                !(p.Contains('/', StringComparison.Ordinal) ? System.Net.IPNetwork.TryParse(p, out _) : IPAddress.TryParse(p, out _))
            )
            .Select(p => $"--trusted-proxy {p}: expected an IP address (10.0.0.5) or a network (10.0.0.0/24)")
            .FirstOrDefault();

    public static ForwardedHeadersOptions Options(IEnumerable<string> proxies)
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = null, // walk back through every trusted hop; the first untrusted one is the client
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in proxies)
        {
            if (proxy.Contains('/', StringComparison.Ordinal))
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(proxy));
            }
            else
            {
                options.KnownProxies.Add(IPAddress.Parse(proxy));
            }
        }

        return options;
    }
}
