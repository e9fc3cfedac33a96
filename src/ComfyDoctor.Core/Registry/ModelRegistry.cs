namespace ComfyDoctor.Core.Registry;

/// <summary>The known-good models, by identity. Identities are unique, also ignoring case.</summary>
public sealed class ModelRegistry
{
    private readonly Dictionary<string, RegistryEntry> _byIdentity;

    public ModelRegistry(IEnumerable<RegistryEntry> entries)
    {
        _byIdentity = new Dictionary<string, RegistryEntry>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            _byIdentity[entry.Identity] = entry;
        }
    }

    public static ModelRegistry Empty { get; } = new([]);

    public IReadOnlyCollection<RegistryEntry> Entries => _byIdentity.Values;

    public bool IsEmpty => _byIdentity.Count == 0;

    public RegistryEntry? Find(string identity) => _byIdentity.GetValueOrDefault(identity);
}
