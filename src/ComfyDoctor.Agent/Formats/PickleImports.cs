using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyDoctor.Agent.Formats;

/// <summary>How one global a pickle imports is judged.</summary>
internal enum GlobalKind
{
    /// <summary>On the allowlist: torch's <c>weights_only</c> loader (as ComfyUI sets it up) takes it.</summary>
    Allowed,

    /// <summary>Refused by that loader, and known to be harmless (hyper-parameter objects, numpy arrays…).</summary>
    Benign,

    /// <summary>Refused by that loader, and nothing more is known about it.</summary>
    NotAllowed,

    /// <summary>Refused, and known to run code, touch files or the network, or load another pickle.</summary>
    Gadget,
}

internal readonly record struct GlobalJudgement(PickleGlobal Global, GlobalKind Kind, string? Reason)
{
    public string Name => Global.ToString();
}

/// <summary>
/// Judges the globals a pickle imports against <c>pickle-globals.json</c> (embedded; every entry with its reason), the
/// allowlist of torch's <c>weights_only</c> unpickler plus the globals ComfyUI adds to it. Matching is exact on
/// <c>module.name</c> after torch's own renaming of Python 2 modules; there is no prefix rule, so neither
/// <c>torch.utils…</c> nor <c>torch._…</c> gets through by its start. Everything outside the allowlist is refused by the
/// loader ComfyUI uses; the gadget list (which may name whole modules) and the benign list only say which refusal it is.
/// A dotted name (protocol 4) that walks through a module such as <c>os</c> or a dunder attribute is a gadget.
/// </summary>
internal static class PickleImports
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };
    private static readonly Data Table = Load();

    /// <summary>Judges <paramref name="global"/>; <paramref name="inNpy"/>: it comes from a NumPy object array, whose loader needs numpy's
    /// array globals.</summary>
    public static GlobalJudgement Judge(PickleGlobal global, bool inNpy = false)
    {
        var torchName = Rename(global, Table.TorchRenames);
        if (Table.Allowed.ContainsKey(torchName) || (inNpy && Table.AllowedInNpy.Contains(torchName)))
        {
            return new(global, GlobalKind.Allowed, null);
        }

        if ((GadgetReason(global.ToString()) ?? GadgetReason(Rename(global, Table.PythonRenames))) is { } gadget)
        {
            return new(global, GlobalKind.Gadget, gadget);
        }

        return Table.Benign.TryGetValue(torchName, out var benign)
            ? new(global, GlobalKind.Benign, benign)
            : new(
                global,
                GlobalKind.NotAllowed,
                global.Module == PickleGlobal.Unknown ? "a STACK_GLOBAL whose module could not be traced" : null
            );
    }

    /// <summary>A callable that unpickles the bytes it is given (<c>pickle.loads</c>, <c>torch.load</c>…).</summary>
    public static bool IsLoader(PickleGlobal global) => Table.Loaders.Contains(Rename(global, Table.PythonRenames));

    private static string? GadgetReason(string full)
    {
        if (Table.Gadgets.TryGetValue(full, out var exact))
        {
            return exact;
        }

        var segments = full.Split('.');
        for (var i = segments.Length - 1; i > 0; i--)
        {
            if (Table.GadgetModules.TryGetValue(string.Join('.', segments[..i]), out var module))
            {
                return module;
            }
        }

        var walked = segments.Skip(1).FirstOrDefault(s => Table.WalkedInto.Contains(s) || IsDunder(s));
        return walked is null ? null : $"reaches {walked} through attributes";
    }

    private static string Rename(PickleGlobal global, Dictionary<string, string> modules) =>
        (modules.TryGetValue(global.Module, out var renamed) ? renamed : global.Module) + "." + global.Name;

    private static bool IsDunder(string segment) =>
        segment.Length > 4 && segment.StartsWith("__", StringComparison.Ordinal) && segment.EndsWith("__", StringComparison.Ordinal);

    private static Data Load()
    {
        using var stream = typeof(PickleImports).Assembly.GetManifestResourceStream("ComfyDoctor.Agent.Formats.pickle-globals.json")
            ?? throw new InvalidOperationException("pickle-globals.json is not embedded");
        var file = JsonSerializer.Deserialize<GlobalsFile>(stream, Json)
            ?? throw new InvalidOperationException("pickle-globals.json is empty");
        var data = new Data();
        foreach (var group in file.Allowed)
        {
            group.Globals.ForEach(g => data.Allowed.Add(g, group.Reason));
        }

        foreach (var group in file.Benign)
        {
            group.Globals.ForEach(g => data.Benign.Add(g, group.Reason));
            data.AllowedInNpy.UnionWith(group.Npy ? group.Globals : []);
        }

        foreach (var group in file.Gadgets)
        {
            foreach (var g in group.Globals)
            {
                (g.EndsWith(".*", StringComparison.Ordinal) ? data.GadgetModules : data.Gadgets).Add(
                    g.TrimEnd('*').TrimEnd('.'),
                    group.Reason
                );
            }
        }

        data.Loaders.UnionWith(file.Loaders.Globals);
        data.WalkedInto.UnionWith(file.WalkedInto.Modules);
        foreach (var (from, to) in file.TorchRenames.Modules)
        {
            data.TorchRenames.Add(from, to);
        }

        foreach (var (from, to) in file.PythonRenames.Modules)
        {
            data.PythonRenames.Add(from, to);
        }

        return data;
    }

    private sealed class Data
    {
        public Dictionary<string, string> Allowed { get; } = new(StringComparer.Ordinal);
        public HashSet<string> AllowedInNpy { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> Benign { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> Gadgets { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> GadgetModules { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Loaders { get; } = new(StringComparer.Ordinal);
        public HashSet<string> WalkedInto { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> TorchRenames { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> PythonRenames { get; } = new(StringComparer.Ordinal);
    }

    private sealed record GlobalsFile(
        List<Group> Allowed,
        List<Group> Benign,
        List<Group> Gadgets,
        Group Loaders,
        ModuleList WalkedInto,
        Renames TorchRenames,
        Renames PythonRenames
    );

    private sealed record Group(string Reason, List<string> Globals, bool Npy = false);

    private sealed record ModuleList(string Reason, List<string> Modules);

    private sealed record Renames(string Reason, [property: JsonPropertyName("modules")] Dictionary<string, string> Modules);
}
