using static System.FormattableString;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// The distinct globals of a file's pickles, in the order first seen. A checkpoint imports a few dozen; past
/// <see cref="MaxDistinct"/> the file is not a checkpoint and the scan stops (so memory stays bounded whatever it holds).
/// </summary>
internal sealed class PickleImportSet
{
    public const int MaxDistinct = 4096;
    private readonly HashSet<PickleGlobal> _seen = [];
    private readonly List<PickleGlobal> _ordered = [];

    public IReadOnlyList<PickleGlobal> Items => _ordered;

    public void Add(PickleGlobal global)
    {
        if (_seen.Contains(global))
        {
            return;
        }

        if (_seen.Count >= MaxDistinct)
        {
            throw new MalformedPickleException(PickleFailure.TooLong, Invariant($"more than {MaxDistinct:N0} distinct imports"));
        }

        _seen.Add(global);
        _ordered.Add(global);
    }
}
