using System.Text.RegularExpressions;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// The family a node type's name marks it as part of: a tag the pack puts on all its nodes, such as a parenthesised
/// suffix (<c>Seed (rgthree)</c>, <c>KSampler (Efficient)</c>), a <c>//Inspire</c> or <c>|pysssss</c> suffix, a
/// <c>LayerUtility: </c> prefix, an upper-case <c>VHS_</c> prefix, essentials' trailing <c>+</c>, or an affix learned
/// from a worker's <c>/object_info</c> (<c>…MultiGPU</c>). Nodes of one family come from one pack: the chooser never
/// splits them across packs without saying why. Generic qualifiers (<c>(Advanced)</c>, <c>(Simple)</c>) are no family.
/// </summary>
public static partial class NodeFamily
{
    private static readonly HashSet<string> Generic = new(StringComparer.OrdinalIgnoreCase)
    {
        "advanced",
        "simple",
        "legacy",
        "old",
        "new",
        "deprecated",
        "experimental",
        "beta",
        "tiled",
        "batch",
        "batched",
        "image",
        "images",
        "latent",
        "mask",
        "text",
        "string",
        "int",
        "float",
        "number",
        "list",
        "multi",
        "custom",
        "test",
    };

    /// <summary>The family key (<c>"(rgthree)"</c>, <c>"//Inspire"</c>, <c>"VHS_"</c>, <c>"…MultiGPU"</c>), or null.</summary>
    public static string? KeyOf(string nodeType, IReadOnlyList<LearnedAffix>? learned = null)
    {
        var type = nodeType.Trim();
        if (Parenthesised().Match(type) is { Success: true } paren && IsTag(paren.Groups[1].Value))
        {
            return $"({paren.Groups[1].Value})";
        }

        if (SlashOrPipe().Match(type) is { Success: true } tail && IsTag(tail.Groups[2].Value))
        {
            return tail.Groups[1].Value + tail.Groups[2].Value;
        }

        if (ColonPrefix().Match(type) is { Success: true } colon && IsTag(colon.Groups[1].Value))
        {
            return colon.Groups[1].Value + ":";
        }

        if (UpperPrefix().Match(type) is { Success: true } upper)
        {
            return upper.Groups[1].Value + "_";
        }

        foreach (var affix in learned ?? [])
        {
            if (affix.Matches(type))
            {
                return affix.Key;
            }
        }

        return type.Length > 1 && type.EndsWith('+') ? "+" : null;
    }

    /// <summary>The words of a family key a repository named for the family contains (<c>"(rgthree)"</c> → <c>rgthree</c>).</summary>
    public static string Tag(string key) => NodeCatalog.NormaliseName(key.Trim('(', ')', '/', '|', ':', '_', '+', '…'));

    private static bool IsTag(string word) => word.Length >= 2 && !Generic.Contains(word.Trim()) && !word.Any(char.IsDigit);

    [GeneratedRegex(@"\s\(([^()]{2,40})\)$", RegexOptions.CultureInvariant)]
    private static partial Regex Parenthesised();

    [GeneratedRegex(@"\s?(//|\|)\s?([A-Za-z][\w-]{1,30})$", RegexOptions.CultureInvariant)]
    private static partial Regex SlashOrPipe();

    [GeneratedRegex(@"^([A-Za-z][A-Za-z0-9]{2,30}):\s", RegexOptions.CultureInvariant)]
    private static partial Regex ColonPrefix();

    [GeneratedRegex(@"^([A-Z][A-Z0-9]{1,9})_[A-Za-z]", RegexOptions.CultureInvariant)]
    private static partial Regex UpperPrefix();
}
