using System.Text.Json;
using ComfyDoctor.Agent.Processes;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Runtime;

/// <summary>
/// Finds ComfyUI's own interpreter (the one given, else <c>venv</c>, <c>.venv</c>, or the Windows portable build's
/// <c>python_embeded</c>) and asks it, in one process with a timeout, for its installed packages
/// (<see cref="PythonPackagesReader"/>), its version and torch's CUDA facts. The package list is printed before torch is
/// imported, so it is kept even when torch hangs or crashes the process.
/// </summary>
public static class PythonProbe
{
    private const string TorchScript = """
        import json, platform
        r = {"version": platform.python_version(), "torch": None, "cuda": None, "cuda_available": None, "error": None}
        try:
            import torch
            r["torch"] = str(torch.__version__)
            r["cuda"] = torch.version.cuda
            r["cuda_available"] = bool(torch.cuda.is_available())
        except Exception as e:
            r["error"] = "%s: %s" % (type(e).__name__, e)
        print("COMFYDOCTOR " + json.dumps(r))
        """;

    private const string Script = PythonPackagesReader.Script + "\n" + TorchScript;

    /// <summary>The probe's output kept (a venv with thousands of packages prints a long list).</summary>
    private const int MaxOutputChars = 8 * 1024 * 1024;

    public static IEnumerable<string> Candidates(string comfyUiRoot) =>
        [
            Path.Combine(comfyUiRoot, "venv", "bin", "python"),
            Path.Combine(comfyUiRoot, ".venv", "bin", "python"),
            Path.Combine(comfyUiRoot, "venv", "Scripts", "python.exe"),
            Path.Combine(comfyUiRoot, ".venv", "Scripts", "python.exe"),
            Path.Combine(comfyUiRoot, "..", "python_embeded", "python.exe"),
            Path.Combine(comfyUiRoot, "python_embeded", "python.exe"),
        ];

    public static string? Find(string comfyUiRoot, string? explicitPython) =>
        explicitPython ?? Candidates(comfyUiRoot).Select(Path.GetFullPath).FirstOrDefault(File.Exists);

    public static async Task<PythonFacts?> ProbeAsync(ProbeOptions options, CancellationToken ct) =>
        (await ProbeWithNoteAsync(options, ct)).Facts;

    /// <summary>The facts, and a note when the package list could not be read (in full or at all).</summary>
    public static async Task<(PythonFacts? Facts, string? PackagesNote)> ProbeWithNoteAsync(ProbeOptions options, CancellationToken ct)
    {
        var python = Find(options.ComfyUiRoot, options.Python);
        if (python is null)
        {
            return (null, null);
        }

        var result = await ProcessRunner.RunAsync(
            new ProcessSpec(
                python,
                ["-c", Script],
                Directory.Exists(options.ComfyUiRoot) ? options.ComfyUiRoot : null,
                Timeout: options.EffectiveTimeout,
                MaxOutputChars: MaxOutputChars
            ),
            ct
        );
        var (packages, note) = result.NotFound ? (null, null) : PythonPackagesReader.Parse(result.StdOut);
        if (result.NotFound || result.TimedOut || result.ExitCode != 0)
        {
            var why =
                result.TimedOut ? $"timed out after {options.EffectiveTimeout.TotalSeconds:0} s"
                : result.NotFound ? result.StdErr
                : $"exit code {result.ExitCode}: {LastLine(result.StdErr)}";
            return (new PythonFacts(python, null, null, null, null, why) { Packages = packages }, note);
        }

        var facts = Parse(python, result.StdOut)
            ?? new PythonFacts(python, null, null, null, null, "unexpected output: " + LastLine(result.StdOut));
        return (facts with { Packages = packages }, note);
    }

    internal static PythonFacts? Parse(string python, string stdout)
    {
        var line = stdout.Split('\n').LastOrDefault(l => l.StartsWith("COMFYDOCTOR ", StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }

        try
        {
            var json = JsonDocument.Parse(line["COMFYDOCTOR ".Length..]).RootElement;
            string? Text(string name) => json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            bool? available =
                json.TryGetProperty("cuda_available", out var a) && a.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? a.GetBoolean()
                    : null;
            return new PythonFacts(python, Text("version"), Text("torch"), Text("cuda"), available, Text("error"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no output)";
}
