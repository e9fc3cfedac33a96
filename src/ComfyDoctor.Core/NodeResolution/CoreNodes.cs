namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// Node types ComfyUI itself provides, which are never "missing". The shipped list (<c>core-nodes.txt</c>, embedded)
/// is approximate and ages; add the catalog's own ComfyUI entry (<see cref="NodeCatalog.CoreNodeNames"/>) and, when a
/// ComfyUI is running, the names of its <c>/object_info</c>, which is the truth for that machine.
/// </summary>
public sealed class CoreNodes
{
    private const string ResourceName = "ComfyDoctor.Core.NodeResolution.core-nodes.txt";

    private readonly HashSet<string> names;
    private readonly Dictionary<string, string> byNormalisedName;

    private CoreNodes(HashSet<string> names)
    {
        this.names = names;
        byNormalisedName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            byNormalisedName.TryAdd(NodeCatalog.NormaliseName(name), name);
        }
    }

    /// <summary>The shipped list.</summary>
    public static CoreNodes Default { get; } = new(LoadShipped());

    public IReadOnlySet<string> Names => names;

    public static CoreNodes From(IEnumerable<string> names) => new(new HashSet<string>(names, StringComparer.Ordinal));

    /// <summary>This list plus more names (the catalog's ComfyUI entry, <c>/object_info</c> keys).</summary>
    public CoreNodes With(IEnumerable<string> more)
    {
        var all = new HashSet<string>(names, StringComparer.Ordinal);
        all.UnionWith(more.Where(n => n.Length > 0));
        return new CoreNodes(all);
    }

    public bool Contains(string nodeType) => names.Contains(nodeType);

    /// <summary>The core name equal to <paramref name="nodeType"/> ignoring case, spaces, <c>_</c> and <c>-</c>.</summary>
    public string? FindNormalised(string nodeType) => byNormalisedName.GetValueOrDefault(NodeCatalog.NormaliseName(nodeType));

    private static HashSet<string> LoadShipped()
    {
        using var stream = typeof(CoreNodes).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"resource {ResourceName} is missing from {typeof(CoreNodes).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Trim() is { Length: > 0 } name && !name.StartsWith('#'))
            {
                set.Add(name);
            }
        }

        return set;
    }
}
