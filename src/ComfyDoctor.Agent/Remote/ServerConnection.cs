using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ComfyDoctor.Agent.Remote;

/// <summary>
/// How agents and the admin CLI reach the server: tokens never cross the network in clear (plain <c>http://</c> only to a
/// loopback host, unless the admin says otherwise), and the server's certificate is verified — against the system's roots,
/// or a private CA given with <c>--ca-cert</c>; the host name must match either way.
/// </summary>
public static class ServerConnection
{
    /// <summary>Null when <paramref name="server"/> may be used; else why not. Decided from the URL alone, before any connection.</summary>
    public static string? InsecureProblem(Uri server, bool allowInsecureHttp) =>
        server.Scheme == Uri.UriSchemeHttp && !server.IsLoopback && !allowInsecureHttp
            ? $"refusing {server}: plain http:// to a host that is not this machine would send the bearer token and every report in clear; "
                + "use https:// (the server's --tls-cert/--tls-pfx, or a TLS reverse proxy), or pass --allow-insecure-http on a "
                + "network you trust"
            : null;

    /// <summary>Why a call to the server failed, in one line: the inner reason too, and what to do about a certificate not
    /// trusted.</summary>
    public static string Describe(Exception e) =>
        e.Message
        + (e.InnerException is { } inner ? " " + inner.Message : "")
        + (
            e.InnerException is System.Security.Authentication.AuthenticationException
                ? " (a server certificate from a private CA, or self-signed: --ca-cert FILE)"
                : ""
        );

    /// <summary>A handler that verifies the server's certificate, also trusting the CA certificates (PEM) in
    /// <paramref name="caCertFile"/>.</summary>
    public static SocketsHttpHandler Handler(string? caCertFile)
    {
        var handler = new SocketsHttpHandler();
        if (caCertFile is null)
        {
            return handler;
        }

        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(caCertFile);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new InvalidDataException($"--ca-cert {caCertFile}: not a PEM certificate file ({e.Message})", e);
        }

        if (authorities.Count == 0)
        {
            throw new InvalidDataException(
                $"--ca-cert {caCertFile}: no certificate in the file (expected PEM: -----BEGIN CERTIFICATE-----)"
            );
        }

        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            errors == SslPolicyErrors.None
            || (
                errors == SslPolicyErrors.RemoteCertificateChainErrors
                && certificate is not null
                && ChainsTo(certificate, chain, authorities)
            );
        return handler;
    }

    /// <summary>Whether the certificate chains to one of the private authorities (the host name was already checked by the caller's
    /// errors).</summary>
    private static bool ChainsTo(X509Certificate certificate, X509Chain? presented, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // a private CA seldom publishes revocation lists
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate); // intermediates the server sent
            }
        }

        var leaf = certificate as X509Certificate2;
        using var loaded = leaf is null ? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()) : null;
        return chain.Build(leaf ?? loaded!);
    }
}
