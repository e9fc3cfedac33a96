using System.Text.RegularExpressions;
using ComfyDoctor.Agent.Installing;

namespace ComfyDoctor.Agent.Tests.Installing.Fixtures;

/// <summary>TEMPORARY: reads NODE_CLASS_MAPPINGS keys until the agent's static node scanner lands.</summary>
public static partial class NodeTypeScanning
{
    public static NodeTypeScanner Default => folder =>
    [
        .. Directory.EnumerateFiles(folder, "*.py", SearchOption.AllDirectories)
            .SelectMany(f => Mapping().Matches(File.ReadAllText(f)).SelectMany(m => Key().Matches(m.Groups[1].Value)))
            .Select(k => k.Groups[1].Value),
    ];

    [GeneratedRegex(@"NODE_CLASS_MAPPINGS\s*=\s*\{([^}]*)\}")]
    private static partial Regex Mapping();

    [GeneratedRegex("\"([^\"]+)\"\\s*:")]
    private static partial Regex Key();
}
