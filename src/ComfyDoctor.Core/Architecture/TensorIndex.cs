using System.Text.RegularExpressions;

namespace ComfyDoctor.Core.Architecture;

/// <summary>A header's tensors by name, with the questions the detection rules ask of them.</summary>
internal sealed class TensorIndex
{
    private readonly Dictionary<string, IReadOnlyList<long>?> _shapes;

    public TensorIndex(IEnumerable<TensorInfo> tensors)
    {
        _shapes = new Dictionary<string, IReadOnlyList<long>?>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            _shapes.TryAdd(tensor.Name, tensor.Shape);
        }

        ShapesMissing = _shapes.Values.Any(s => s is null);
    }

    private TensorIndex(Dictionary<string, IReadOnlyList<long>?> shapes)
    {
        _shapes = shapes;
        ShapesMissing = _shapes.Values.Any(s => s is null);
    }

    public int Count => _shapes.Count;

    public IEnumerable<string> Names => _shapes.Keys;

    public bool Has(string name) => _shapes.ContainsKey(name);

    public bool HasAll(params string[] names) => names.All(_shapes.ContainsKey);

    public bool HasPrefix(string prefix) => _shapes.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Dimension <paramref name="index"/> of a tensor (negative counts from the end); null when absent or its shape
    /// unknown.</summary>
    public long? Dim(string name, int index)
    {
        if (!_shapes.TryGetValue(name, out var shape) || shape is null)
        {
            return null;
        }

        var i = index < 0 ? shape.Count + index : index;
        return i >= 0 && i < shape.Count ? shape[i] : null;
    }

    /// <summary>The number of dimensions; -1 when the tensor is absent or its shape unknown.</summary>
    public int Rank(string name) => _shapes.TryGetValue(name, out var shape) && shape is not null ? shape.Count : -1;

    /// <summary>Whether some tensor's shape is unknown (names from a pickle whose sizes the scan did not see).</summary>
    public bool ShapesMissing { get; }

    /// <summary>The tensors whose names start with <paramref name="prefix"/>, with the prefix removed.</summary>
    public TensorIndex Under(string prefix) =>
        prefix.Length == 0
            ? this
            : new(
                _shapes
                    .Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal))
                    .ToDictionary(p => p.Key[prefix.Length..], p => p.Value, StringComparer.Ordinal)
            );

    /// <summary>
    /// The first name (in ordinal order, so the answer does not depend on header order) that ends with
    /// <paramref name="suffix"/> (a cheap test first) and matches <paramref name="pattern"/>.
    /// </summary>
    public string? First(Regex pattern, string suffix) =>
        _shapes
            .Keys.Where(k => k.EndsWith(suffix, StringComparison.Ordinal) && pattern.IsMatch(k))
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();

    /// <summary>Dimension <paramref name="index"/> of the first tensor found by <see cref="First"/>.</summary>
    public long? DimOfFirst(Regex pattern, string suffix, int index) => First(pattern, suffix) is { } name ? Dim(name, index) : null;
}
