using System.Text.Json;

namespace ComfyDoctor.Agent.Installing;

/// <summary>The distributions installed in a Python environment (from <c>pip list --format=json</c>), keyed by normalised name.</summary>
public sealed class PipSnapshot
{
    private readonly Dictionary<string, (string Name, string Version)> _packages;

    private PipSnapshot(Dictionary<string, (string Name, string Version)> packages) => _packages = packages;

    public int Count => _packages.Count;

    /// <summary>Reads pip's JSON list. <exception cref="FormatException">Not the JSON pip writes.</exception></summary>
    public static PipSnapshot Parse(string pipListJson)
    {
        var packages = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(pipListJson);
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                var name = item.GetProperty("name").GetString();
                var version = item.GetProperty("version").GetString();
                if (!string.IsNullOrWhiteSpace(name) && version is not null)
                {
                    packages[PackageName.Normalize(name)] = (name, version);
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new FormatException($"pip list did not answer with its JSON list: {e.Message}", e);
        }

        return new PipSnapshot(packages);
    }

    /// <summary>Every installed distribution, by normalised name.</summary>
    public IEnumerable<PipPackage> Packages => _packages.Select(p => new PipPackage(p.Key, p.Value.Version));

    /// <summary>The installed version of <paramref name="name"/>, or null.</summary>
    public string? VersionOf(string name) => _packages.TryGetValue(PackageName.Normalize(name), out var p) ? p.Version : null;

    /// <summary>What changed from <paramref name="before"/> to this snapshot.</summary>
    public PipChanges ChangesSince(PipSnapshot before)
    {
        var added = _packages.Where(p => !before._packages.ContainsKey(p.Key)).Select(p => new PipPackage(p.Value.Name, p.Value.Version));
        var removed = before._packages.Where(p => !_packages.ContainsKey(p.Key)).Select(p => new PipPackage(p.Value.Name, p.Value.Version));
        var changed = _packages
            .Where(p =>
                before._packages.TryGetValue(p.Key, out var old) && !string.Equals(old.Version, p.Value.Version, StringComparison.Ordinal)
            )
            .Select(p => new PipVersionChange(p.Value.Name, before._packages[p.Key].Version, p.Value.Version));
        return new PipChanges(
            [.. added.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase)],
            [.. removed.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase)],
            [.. changed.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase)]
        );
    }
}

public sealed record PipPackage(string Name, string Version);

public sealed record PipVersionChange(string Name, string Before, string After);

/// <summary>The difference between two <see cref="PipSnapshot"/>s.</summary>
public sealed record PipChanges(IReadOnlyList<PipPackage> Added, IReadOnlyList<PipPackage> Removed, IReadOnlyList<PipVersionChange> Changed)
{
    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Changed.Count == 0;

    /// <summary>One line per difference, e.g. <c>added foo 1.0</c>, <c>torch 2.0.0 → 9.9.0</c>.</summary>
    public IReadOnlyList<string> Describe() =>
        [
            .. Added.Select(p => $"added {p.Name} {p.Version}"),
            .. Removed.Select(p => $"removed {p.Name} {p.Version}"),
            .. Changed.Select(c => $"{c.Name} {c.Before} -> {c.After}"),
        ];
}
