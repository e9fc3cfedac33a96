using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// Turns what a scan saw into a <see cref="FormatCheck"/>. ComfyUI loads pickles with torch's <c>weights_only</c>
/// unpickler, which refuses every global outside its allowlist: such a file is an attack or cannot load, so any global
/// outside the allowlist makes it <see cref="FormatStatus.Unsafe"/> (red), and the message says which: a known
/// code-execution gadget (named, with what it does), a global known to be benign that the loader still refuses, or one
/// that is simply not allowed. Such an import wins even when the pickle is also broken (the import runs before the
/// unpickler reaches the damage). With only allowed globals: a pickle cut short or damaged is
/// <see cref="FormatStatus.Invalid"/> (a partial download); one that could not be walked for any other reason (garbled,
/// longer than a scan reads, nested too deep) is <see cref="FormatStatus.Unsafe"/>, since what follows is unknown.
/// <see cref="FormatCheck.Imports"/> lists every import outside the allowlist, gadgets first (at most
/// <see cref="MaxListed"/>; a message names at most <see cref="MaxNamed"/>). No path gives yellow or green by accident.
/// </summary>
internal static class PickleVerdict
{
    public const int MaxListed = 100;
    public const int MaxNamed = 10;
    private const string NotAllowed = "not allowed by torch's weights_only loader";

    public static FormatCheck Judge(string format, PickleImportSet imports, string? where, MalformedPickleException? failure)
    {
        var judged = imports
            .Scoped.Select(g => PickleImports.Judge(g.Global, g.InNpy))
            .Where(j => j.Kind != GlobalKind.Allowed)
            .DistinctBy(j => j.Name)
            .ToList();
        var gadgets = judged.Where(j => j.Kind == GlobalKind.Gadget).ToList();
        var refused = judged.Where(j => j.Kind != GlobalKind.Gadget).ToList();
        var listed = gadgets.Concat(refused).Select(j => j.Name).Take(MaxListed).ToList();
        var problem =
            failure is null ? null
            : where is null ? failure.Message
            : $"{where}: {failure.Message}";

        if (judged.Count > 0)
        {
            var message =
                gadgets.Count > 0
                    ? $"imports {(gadgets.Count == 1 ? "a known code-execution gadget" : "known code-execution gadgets")}: "
                        + $"{Named(gadgets, true)}"
                        + (refused.Count > 0 ? $"; also {NotAllowed}: {Named(refused, false)}" : "")
                : refused.All(j => j.Kind == GlobalKind.Benign)
                    ? $"imports {Named(refused, false)}, {NotAllowed} (known benign: "
                        + $"{string.Join("; ", refused.Select(j => j.Reason).Distinct().Take(3))}); ComfyUI cannot load the file: "
                        + "convert it to safetensors"
                : $"imports {Named(refused, false)}, {NotAllowed}: the file is an attack or cannot load";
            return new FormatCheck(format, FormatStatus.Unsafe, problem is null ? message : $"{message}; also: {problem}", listed);
        }

        if (problem is not null)
        {
            return failure!.Failure is PickleFailure.Truncated or PickleFailure.Damaged
                ? new FormatCheck(format, FormatStatus.Invalid, problem)
                : new FormatCheck(format, FormatStatus.Unsafe, $"could not be scanned to its end ({problem}); counted as unsafe");
        }

        return FormatCheck.Ok(format);
    }

    private static string Named(List<GlobalJudgement> names, bool withReasons)
    {
        var shown = names
            .Take(MaxNamed)
            .Select(j => withReasons || j.Reason is not null && j.Kind == GlobalKind.NotAllowed ? $"{j.Name} ({j.Reason})" : j.Name);
        var text = string.Join(", ", shown);
        return names.Count <= MaxNamed ? text : $"{text} and {names.Count - MaxNamed} more";
    }
}
