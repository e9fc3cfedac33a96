namespace ComfyDoctor.Core.Architecture;

/// <summary>The stable codes of model families (API, registry files, reports) and how people name them.</summary>
public static class ModelFamilies
{
    public const string Sd1 = "sd1";
    public const string Sd2 = "sd2";
    public const string Sdxl = "sdxl";
    public const string Sd3 = "sd3";
    public const string Flux1 = "flux1";
    public const string Wan = "wan";
    public const string HunyuanVideo = "hunyuan-video";
    public const string LtxVideo = "ltxv";
    public const string QwenImage = "qwen-image";
    public const string Unknown = "unknown";

    private static readonly (string Code, string Display)[] All =
    [
        (Sd1, "SD1.x"),
        (Sd2, "SD2.x"),
        (Sdxl, "SDXL"),
        (Sd3, "SD3.x"),
        (Flux1, "Flux.1"),
        (Wan, "Wan 2.x"),
        (HunyuanVideo, "HunyuanVideo"),
        (LtxVideo, "LTX-Video"),
        (QwenImage, "Qwen-Image"),
        (Unknown, "unknown"),
    ];

    public static IEnumerable<string> Codes => All.Select(f => f.Code);

    public static string Display(string code) => Lookup.Display(All, code);

    /// <summary>The code for a code or a display name, ignoring case; null when it is neither.</summary>
    public static string? Parse(string text) => Lookup.Parse(All, text);
}

/// <summary>Code ↔ display name tables.</summary>
internal static class Lookup
{
    public static string Display((string Code, string Display)[] table, string code) =>
        table.FirstOrDefault(e => e.Code == code).Display ?? code;

    public static string? Parse((string Code, string Display)[] table, string text)
    {
        var trimmed = text.Trim();
        return table
            .FirstOrDefault(e =>
                string.Equals(e.Code, trimmed, StringComparison.OrdinalIgnoreCase)
                || string.Equals(e.Display, trimmed, StringComparison.OrdinalIgnoreCase)
            )
            .Code;
    }
}
