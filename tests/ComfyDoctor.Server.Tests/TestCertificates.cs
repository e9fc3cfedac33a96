using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ComfyDoctor.Server.Tests;

/// <summary>A private CA and server certificates it signs (for 127.0.0.1 and localhost), made by the test with CertificateRequest and
/// written as files.</summary>
internal sealed class TestCertificates : IDisposable
{
    private TestCertificates(string folder, X509Certificate2 authority)
    {
        Folder = folder;
        Authority = authority;
        CaFile = Path.Combine(folder, "ca.pem");
        File.WriteAllText(CaFile, authority.ExportCertificatePem());
    }

    public string Folder { get; }

    public X509Certificate2 Authority { get; }

    /// <summary>The CA's certificate, PEM: what an agent's --ca-cert names.</summary>
    public string CaFile { get; }

    public static TestCertificates Create(string name = "ComfyDoctor Test CA")
    {
        var folder = Path.Combine(Path.GetTempPath(), "cdtls-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return new TestCertificates(folder, request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30)));
    }

    /// <summary>A server certificate for 127.0.0.1 and localhost signed by this CA, with its key.</summary>
    public X509Certificate2 Issue(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        // server authentication
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Authority, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(Authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>Writes <paramref name="certificate"/> as PEM certificate + PEM key files (overwriting: a renewal).</summary>
    public (string Cert, string Key) WritePem(X509Certificate2 certificate, string name = "server")
    {
        var (cert, key) = (Path.Combine(Folder, name + ".crt"), Path.Combine(Folder, name + ".key"));
        File.WriteAllText(key, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(cert, certificate.ExportCertificatePem());
        Touch(cert, key);
        return (cert, key);
    }

    /// <summary>Writes <paramref name="certificate"/> as a PKCS#12 file under <paramref name="password"/>.</summary>
    public string WritePfx(X509Certificate2 certificate, string password, string name = "server")
    {
        var pfx = Path.Combine(Folder, name + ".pfx");
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pkcs12, password));
        Touch(pfx);
        return pfx;
    }

    public void Dispose()
    {
        Authority.Dispose();
        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>A renewal is a new write time even within the file system's time resolution.</summary>
    private static void Touch(params string[] files)
    {
        foreach (var file in files)
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(Interlocked.Increment(ref _writes)));
        }
    }

    private static int _writes;
}
