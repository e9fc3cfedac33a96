namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// The pip constraints every pack install runs under: the protected packages (torch and friends, numpy) pinned to the
/// versions installed now, and the denied releases excluded (<c>name!=version</c>), so a range cannot reach them.
/// </summary>
internal static class ConstraintsFile
{
    public static IReadOnlyList<string> Lines(PipSnapshot installed, IReadOnlySet<string> denied) =>
        Lines(
            InstallPolicy.ProtectedPackages.Select(n => installed.VersionOf(n) is { } v ? new PipPackage(n, v) : null).OfType<PipPackage>(),
            denied
        );

    /// <summary><paramref name="pinned"/> as <c>name==version</c>, then the denied releases as <c>name!=version</c>.</summary>
    public static IReadOnlyList<string> Lines(IEnumerable<PipPackage> pinned, IReadOnlySet<string> denied)
    {
        var lines = pinned.Select(p => $"{p.Name}=={p.Version}").ToList();

        foreach (var entry in denied.Order(StringComparer.OrdinalIgnoreCase))
        {
            if (RequirementsGuard.ParseDenied(entry) is var (name, version))
            {
                lines.Add($"{name}!={version}");
            }
        }

        return lines;
    }

    /// <summary>Writes the constraints to a new file under <paramref name="folder"/> and returns its path.</summary>
    public static string Write(string folder, PipSnapshot installed, IReadOnlySet<string> denied) =>
        Write(folder, Lines(installed, denied));

    /// <summary>Writes <paramref name="lines"/> to a new constraints file under <paramref name="folder"/> and returns its path.</summary>
    public static string Write(string folder, IReadOnlyList<string> lines)
    {
        var path = Path.Combine(folder, "constraints-" + Guid.NewGuid().ToString("N")[..8] + ".txt");
        File.WriteAllLines(path, lines);
        return path;
    }
}
