namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// The pip constraints every pack install runs under: the protected packages (torch and friends, numpy) pinned to the
/// versions installed now, and the denied releases excluded (<c>name!=version</c>), so a range cannot reach them.
/// </summary>
internal static class ConstraintsFile
{
    public static IReadOnlyList<string> Lines(PipSnapshot installed, IReadOnlySet<string> denied)
    {
        var lines = new List<string>();
        foreach (var name in InstallPolicy.ProtectedPackages)
        {
            if (installed.VersionOf(name) is { } version)
            {
                lines.Add($"{name}=={version}");
            }
        }

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
    public static string Write(string folder, PipSnapshot installed, IReadOnlySet<string> denied)
    {
        var path = Path.Combine(folder, "constraints-" + Guid.NewGuid().ToString("N")[..8] + ".txt");
        File.WriteAllLines(path, Lines(installed, denied));
        return path;
    }
}
