namespace ComfyDoctor.Agent.Remote;

/// <summary>The agent's own credential, kept in its data folder readable by its user only (mode 0600).</summary>
internal static class AgentCredential
{
    public const string FileName = "agent-credential";

    public static string PathIn(string dataDir) => Path.Combine(dataDir, FileName);

    public static async Task<string?> ReadAsync(string dataDir, CancellationToken ct)
    {
        var path = PathIn(dataDir);
        return File.Exists(path) ? (await File.ReadAllTextAsync(path, ct)).Trim() : null;
    }

    public static async Task WriteAsync(string dataDir, string credential, CancellationToken ct)
    {
        Directory.CreateDirectory(dataDir);
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var file = new FileStream(PathIn(dataDir), create);
        await using var writer = new StreamWriter(file);
        await writer.WriteAsync(credential.AsMemory(), ct);
    }
}
