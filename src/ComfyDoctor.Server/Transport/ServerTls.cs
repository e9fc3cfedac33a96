namespace ComfyDoctor.Server.Transport;

/// <summary>
/// Where the server's certificate comes from: a PEM certificate (chain) and its PEM key, or one PKCS#12 file and its
/// password (read from a file or the environment by the caller, never taken from the command line).
/// </summary>
public sealed record ServerTls(string? CertFile, string? KeyFile, string? PfxFile, string? PfxPassword)
{
    /// <summary>Null when the pair of options makes sense; else what is wrong, naming the options.</summary>
    public string? Problem() =>
        (CertFile, KeyFile, PfxFile) switch
        {
            (not null, not null, null) => null,
            (null, null, not null) => null,
            (not null, null, _) => "--tls-cert needs --tls-key (the certificate's private key, PEM)",
            (null, not null, _) => "--tls-key needs --tls-cert (the certificate chain, PEM)",
            _ => "give either --tls-cert and --tls-key (PEM) or --tls-pfx (PKCS#12), not both",
        };

    /// <summary>The files whose change means a renewed certificate.</summary>
    public IReadOnlyList<string> Files => PfxFile is not null ? [PfxFile] : [CertFile!, KeyFile!];
}
