using System.Security.Cryptography;

namespace ComfyDoctor.Server.Security;

/// <summary>The admin and enroll tokens: given, from the environment, or generated once into the data folder (mode 0600).</summary>
public sealed record Secrets(string AdminToken, string EnrollToken, IReadOnlyList<string> GeneratedFiles)
{
    public static Secrets Load(ServerOptions options)
    {
        var generated = new List<string>();
        var admin = options.AdminToken ?? Environment.GetEnvironmentVariable("COMFYDOCTOR_ADMIN_TOKEN") ?? FromFile(options.DataDir, "admin-token", generated);
        var enroll = options.EnrollToken ?? Environment.GetEnvironmentVariable("COMFYDOCTOR_ENROLL_TOKEN") ?? FromFile(options.DataDir, "enroll-token", generated);
        if (admin.Length < 16 || enroll.Length < 16)
        {
            throw new InvalidOperationException("admin and enroll tokens must be at least 16 characters");
        }

        return new Secrets(admin, enroll, generated);
    }

    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string HashCredential(string credential) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(credential)));

    private static string FromFile(string dataDir, string name, List<string> generated)
    {
        var path = Path.Combine(dataDir, name);
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
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
