using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// Turns what a scan saw into a <see cref="FormatCheck"/>, in this order:
/// a dangerous import makes the file <see cref="FormatStatus.Unsafe"/> (even when the pickle is also broken: the import
/// runs before the unpickler reaches the damage); a pickle cut short or damaged is <see cref="FormatStatus.Invalid"/> (a
/// partial download); one that could not be walked for any other reason (garbled, or longer than a scan reads) counts as
/// <see cref="FormatStatus.Unsafe"/>, since what follows is unknown; imports outside the safe list make it
/// <see cref="FormatStatus.Suspicious"/>. <see cref="FormatCheck.Imports"/> lists every import outside the safe list,
/// dangerous ones first (at most <see cref="MaxListed"/>; a message names at most <see cref="MaxNamed"/>).
/// </summary>
internal static class PickleVerdict
{
    public const int MaxListed = 100;
    public const int MaxNamed = 10;

    public static FormatCheck Judge(string format, IEnumerable<PickleGlobal> globals, string? where, MalformedPickleException? failure)
    {
        var judged = globals.Distinct().Select(g => (Name: g.ToString(), Verdict: PickleImports.Judge(g))).ToList();
        var dangerous = Names(judged, PickleImports.Verdict.Dangerous);
        var suspicious = Names(judged, PickleImports.Verdict.Suspicious);
        var outside = dangerous.Concat(suspicious).Take(MaxListed).ToList();
        var problem = failure is null ? null : where is null ? failure.Message : $"{where}: {failure.Message}";

        if (dangerous.Count > 0)
        {
            return new FormatCheck(format, FormatStatus.Unsafe, $"imports {Named(dangerous)}, which can run code when the file is loaded", outside);
        }

        if (failure is not null && problem is not null)
        {
            return failure.Failure is PickleFailure.Truncated or PickleFailure.Damaged
                ? new FormatCheck(format, FormatStatus.Invalid, problem, outside.Count > 0 ? outside : null)
                : new FormatCheck(format, FormatStatus.Unsafe, $"could not be scanned to its end ({problem}); counted as unsafe", outside.Count > 0 ? outside : null);
        }

        return suspicious.Count > 0
            ? new FormatCheck(format, FormatStatus.Suspicious, $"imports outside the safe list: {Named(suspicious)}", suspicious.Take(MaxListed).ToList())
            : FormatCheck.Ok(format);
    }

    private static string Named(List<string> names) =>
        names.Count <= MaxNamed ? string.Join(", ", names) : $"{string.Join(", ", names.Take(MaxNamed))} and {names.Count - MaxNamed} more";

    private static List<string> Names(List<(string Name, PickleImports.Verdict Verdict)> judged, PickleImports.Verdict verdict) =>
        judged.Where(g => g.Verdict == verdict).Select(g => g.Name).ToList();
}
