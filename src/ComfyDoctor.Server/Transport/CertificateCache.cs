using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace ComfyDoctor.Server.Transport;

/// <summary>
/// The certificate Kestrel presents, loaded once and loaded again when one of its files changes (size or last write
/// time), so a renewed certificate is served from the next TLS handshake on without a restart. A renewal caught half
/// written (a key that does not match yet) keeps the previous certificate and is tried again at the next handshake.
/// </summary>
public sealed partial class CertificateCache(ServerTls tls, ILogger<CertificateCache>? log = null)
{
    private readonly Lock _gate = new();
    private X509Certificate2? _current;
    private string _stamp = "";

    /// <summary>Loads the certificate now: a bad file at start-up is an error the admin sees at once.</summary>
    public X509Certificate2 Current
    {
        get
        {
            var stamp = Stamp();
            lock (_gate)
            {
                if (_current is not null && stamp == _stamp)
                {
                    return _current;
                }

                try
                {
                    var loaded = Load(tls);
                    (_current, _stamp) = (loaded, stamp);
                    if (log is not null)
                    {
                        Loaded(log, loaded.Subject, loaded.NotAfter);
                    }
                }
                catch (Exception e)
                    when (_current is not null
                        && e is IOException or System.Security.Cryptography.CryptographicException or ArgumentException
                    )
                {
                    if (log is not null)
                    {
                        NotYet(log, e.Message, _current.Subject);
                    }
                }

                return _current;
            }
        }
    }

    /// <summary>Reads the certificate with its private key; a wrong file or password is an exception naming the file.</summary>
    public static X509Certificate2 Load(ServerTls tls)
    {
        try
        {
            if (tls.PfxFile is { } pfx)
            {
                return X509CertificateLoader.LoadPkcs12FromFile(pfx, tls.PfxPassword, X509KeyStorageFlags.EphemeralKeySet);
            }

            using var pem = X509Certificate2.CreateFromPemFile(tls.CertFile!, tls.KeyFile);
            // An ephemeral PEM key is refused by SslStream on some platforms: round-trip through PKCS#12.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new System.Security.Cryptography.CryptographicException(
                $"cannot load the TLS certificate from {string.Join(" + ", tls.Files)}: {e.Message}",
                e
            );
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "TLS certificate loaded: {Subject}, valid until {NotAfter:u}")]
    private static partial void Loaded(ILogger log, string subject, DateTime notAfter);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "TLS certificate files changed but cannot be loaded yet ({Reason}); still serving {Subject}"
    )]
    private static partial void NotYet(ILogger log, string reason, string subject);

    private string Stamp() =>
        string.Join(
            '|',
            tls.Files.Select(f =>
            {
                var info = new FileInfo(f);
                return info.Exists ? $"{info.Length}:{info.LastWriteTimeUtc.Ticks}" : "missing";
            })
        );
}
