using static System.FormattableString;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// The distinct globals of a file's pickles, in the order first seen, each with where it was met (a torch pickle, or
/// the pickle of a NumPy object array, whose loader needs numpy's array globals). A checkpoint imports a few dozen; past
/// <see cref="MaxDistinct"/> the file is not a checkpoint and the scan stops (so memory stays bounded whatever it holds).
/// </summary>
internal sealed class PickleImportSet
{
    public const int MaxDistinct = 4096;

    /// <summary>Most bytes handed to loaders that are walked again, all nested pickles of a file together.</summary>
    public const long MaxNestedBytes = 64L << 20;

    private readonly HashSet<(PickleGlobal, bool)> _seen = [];
    private readonly List<PickleGlobal> _ordered = [];
    private readonly HashSet<PickleGlobal> _named = [];
    private readonly List<(PickleGlobal Global, bool InNpy)> _scoped = [];

    public IReadOnlyList<PickleGlobal> Items => _ordered;

    /// <summary>Every global with whether it came from a NumPy object array.</summary>
    public IReadOnlyList<(PickleGlobal Global, bool InNpy)> Scoped => _scoped;

    /// <summary>What nested pickles (and nested zips, inflated) may still take of <see cref="MaxNestedBytes"/>.</summary>
    public ScanBudget Nested { get; } = new(MaxNestedBytes);

    /// <summary>The tensor names (and shapes where seen) of the file's state dict, gathered by the same walk.</summary>
    public PickleStateDict StateDict { get; } = new();

    /// <summary>Set while the pickle of a NumPy object array is walked.</summary>
    public bool InNpy { get; set; }

    public void Add(PickleGlobal global)
    {
        if (_seen.Contains((global, InNpy)))
        {
            return;
        }

        if (_seen.Count >= MaxDistinct)
        {
            throw new MalformedPickleException(PickleFailure.TooLong, Invariant($"more than {MaxDistinct:N0} distinct imports"));
        }

        _seen.Add((global, InNpy));
        _scoped.Add((global, InNpy));
        if (_named.Add(global))
        {
            _ordered.Add(global);
        }
    }
}
