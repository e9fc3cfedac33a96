using System.Security.Cryptography;

namespace ComfyDoctor.Server.Security;

/// <summary>The admin, enroll and viewer tokens and the master key: given, from the environment, or generated once into the data folder
/// (mode 0600).</summary>
public sealed record Secrets(string AdminToken, string EnrollToken, IReadOnlyList<string> GeneratedFiles)
{
    /// <summary>The read-only dashboard token: signs in as a viewer, who sees everything and changes nothing.</summary>
    public required string ViewerToken { get; init; }

    /// <summary>Protects each agent's blob-signing key at rest (<see cref="BlobKeys"/>); never stored in the database.</summary>
    public required string MasterKey { get; init; }

    /// <summary>The token files in use (generated now or earlier), so the server can say where they are on every start.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    /// <summary>The token that reads <c>/metrics</c> only; never generated (null: admins only).</summary>
    public string? MetricsToken { get; init; }

    public static Secrets Load(ServerOptions options)
    {
        var generated = new List<string>();
        var files = new List<string>();
        var admin = options.AdminToken
            ?? Environment.GetEnvironmentVariable("COMFYDOCTOR_ADMIN_TOKEN")
            ?? FromFile(options.DataDir, "admin-token", generated, files);
        var enroll = options.EnrollToken
            ?? Environment.GetEnvironmentVariable("COMFYDOCTOR_ENROLL_TOKEN")
            ?? FromFile(options.DataDir, "enroll-token", generated, files);
        var viewer = options.ViewerToken
            ?? Environment.GetEnvironmentVariable("COMFYDOCTOR_VIEWER_TOKEN")
            ?? FromFile(options.DataDir, "viewer-token", generated, files);
        var master = options.MasterKey
            ?? Environment.GetEnvironmentVariable("COMFYDOCTOR_MASTER_KEY")
            ?? FromFile(options.DataDir, "master-key", generated, files);
        if (master.Length < 32)
        {
            throw new InvalidDataException("the master key must be at least 32 characters");
        }

        if (admin.Length < 16 || enroll.Length < 16 || viewer.Length < 16)
        {
            throw new InvalidDataException("admin, enroll and viewer tokens must be at least 16 characters");
        }

        if (viewer == admin)
        {
            throw new InvalidDataException("the viewer token must differ from the admin token");
        }

        var metrics = options.MetricsToken
            ?? (Environment.GetEnvironmentVariable("COMFYDOCTOR_METRICS_TOKEN") is { Length: > 0 } fromEnv ? fromEnv : null);
        if (metrics is not null && (metrics.Length < 16 || metrics == admin || metrics == viewer))
        {
            throw new InvalidDataException("the metrics token must be at least 16 characters and differ from the admin and viewer tokens");
        }

        return new Secrets(admin, enroll, generated)
        {
            Files = files,
            ViewerToken = viewer,
            MetricsToken = metrics,
            MasterKey = master,
        };
    }

    public static string NewToken() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string HashCredential(string credential) =>
        Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(credential)));

    private static string FromFile(string dataDir, string name, List<string> generated, List<string> files)
    {
        var path = Path.Combine(dataDir, name);
        files.Add(path);
        if (File.Exists(path))
        {
            var stored = File.ReadAllText(path).Trim();
            return stored.Length >= 16
                ? stored
                : throw new InvalidDataException(
                    $"{path}: the stored token is shorter than 16 characters; delete the file to generate a new one"
                );
        }

        Directory.CreateDirectory(dataDir);
        var token = NewToken();
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // 0600: readable by the server's user only
        }

        using (var file = new FileStream(path, create))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(token);
        }

        generated.Add(path);
        return token;
    }
}
