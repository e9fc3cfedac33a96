using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.NodeResolution;

namespace ComfyDoctor.Core.Protocol;

/// <summary>
/// Checks an inventory that arrived over the wire before it is judged and stored: every required part present, hashes
/// and commits in their hex form, sizes and counts within bounds. Returns the first
/// problem with the path of the field (<c>models[3].sha256: …</c>), or null when the inventory is sound.
/// </summary>
public static partial class InventoryValidator
{
    public const int MaxModels = 200_000;
    public const int MaxNodePacks = 20_000;
    public const int MaxListItems = 100_000;
    public const int MaxText = 4096;

    public static string? Problem(WorkerInventory? inventory)
    {
        if (inventory is null)
        {
            return "inventory: missing";
        }

        if (inventory.ModelRoots is null || inventory.Models is null || inventory.NodePacks is null || inventory.Environment is null)
        {
            return "inventory: modelRoots, models, nodePacks and environment are all required";
        }

        return Count("models", inventory.Models.Count, MaxModels)
            ?? Count("nodePacks", inventory.NodePacks.Count, MaxNodePacks)
            ?? Count("modelRoots", inventory.ModelRoots.Count, MaxListItems)
            ?? First(inventory.ModelRoots, "modelRoots", RootProblem)
            ?? First(inventory.Models, "models", ModelProblem)
            ?? First(inventory.NodePacks, "nodePacks", PackProblem)
            ?? (
                inventory.Skipped is { } skipped
                    ? Count("skipped", skipped.Count, MaxListItems) ?? First(skipped, "skipped", SkippedProblem)
                    : null
            )
            ?? EnvironmentProblem(inventory.Environment)
            ?? RuntimeProblem(inventory.Environment)
            ?? (inventory.Live is { } live ? LiveProblem(live) : null)
            ?? (inventory.WebNodeTypes is { } web ? WebProblem(web) : null);
    }

    private static string? RootProblem(ModelRoot root) =>
        Name("folderKey", root?.FolderKey) ?? Text("path", root?.Path) ?? Text("source", root?.Source);

    private static string? ModelProblem(ModelFile model)
    {
        if (model is null)
        {
            return "missing";
        }

        if ((Name("identity", model.Identity) ?? Text("path", model.Path) ?? RawPathProblem(model.RawPath)) is { } problem)
        {
            return problem;
        }

        if (model.Size < 0)
        {
            return $"size: {model.Size} is negative";
        }

        if (model.Sha256 is { } sha && !IsHex(sha, 64))
        {
            return "sha256: not 64 lower-case hex digits";
        }

        return model.Format is null
            ? "format: missing"
            : Name("format.format", model.Format.Format)
                ?? Optional("format.message", model.Format.Message)
                ?? (
                    model.Format.Architecture is { } a
                        ? Name("format.architecture.kind", a.Kind)
                            ?? Name("format.architecture.family", a.Family)
                            ?? Optional("format.architecture.detail", a.Detail)
                        : null
                );
    }

    private static string? SkippedProblem(SkippedEntry entry) =>
        entry is null
            ? "missing"
            : Name("identity", entry.Identity)
                ?? Text("path", entry.Path)
                ?? Name("message", entry.Message)
                ?? (Enum.IsDefined(entry.Reason) ? null : $"reason: {(int)entry.Reason} is not a reason");

    private static string? RawPathProblem(string? raw)
    {
        if (raw is null)
        {
            return null;
        }

        var bytes = new byte[raw.Length];
        return
            raw.Length <= MaxText * 2
            && Convert.TryFromBase64String(raw, bytes, out var written)
            && written > 0
            && bytes.AsSpan(0, written).IndexOf((byte)0) < 0
            ? null
            : "rawPath: not the base64 of a path";
    }

    private static string? PackProblem(NodePack pack)
    {
        if (pack is null)
        {
            return "missing";
        }

        if (
            (
                Name("name", pack.Name)
                ?? Text("path", pack.Path)
                ?? Optional("projectName", pack.ProjectName)
                ?? Optional("projectVersion", pack.ProjectVersion)
            ) is
            { } problem
        )
        {
            return problem;
        }

        if (pack.Git is { Commit: { } commit } && !(IsHex(commit, 40) || IsHex(commit, 64)))
        {
            return "git.commit: not a 40 or 64 digit lower-case hex commit";
        }

        if (
            pack.Manager is { } manager
            && (
                Optional("manager.registryId", manager.RegistryId)
                ?? Optional("manager.repository", manager.Repository)
                ?? Optional("manager.disabledVersion", manager.DisabledVersion)
            )
                is { } managerProblem
        )
        {
            return managerProblem;
        }

        return pack.NodeClasses is null ? "nodeClasses: missing" : Count("nodeClasses", pack.NodeClasses.Count, MaxListItems);
    }

    private static string? EnvironmentProblem(EnvironmentFacts environment)
    {
        if (environment.Disks is null || environment.Gpus is null || environment.Notes is null)
        {
            return "environment: disks, gpus and notes are all required";
        }

        return First(environment.Disks, "environment.disks", DiskProblem)
            ?? Optional("environment.comfyUiVersion", environment.ComfyUiVersion)
            ?? First(environment.Gpus, "environment.gpus", GpuProblem)
            ?? Count("environment.notes", environment.Notes.Count, MaxListItems);
    }

    private static string? DiskProblem(DiskFacts? d) =>
        d is null ? "missing"
        : d.TotalBytes < 0 || d.FreeBytes < 0 || d.FreeBytes > d.TotalBytes
            ? $"freeBytes: {d.FreeBytes} of {d.TotalBytes} total is impossible"
        : Text("mount", d.Mount);

    private static string? GpuProblem(GpuFacts? g) =>
        g is null ? "missing" : Name("name", g.Name) ?? Optional("driverVersion", g.DriverVersion);

    private static string? LiveProblem(LiveComfyUi live) =>
        live.NodeTypes is null || live.Devices is null
            ? "live: nodeTypes and devices are required"
            : Count("live.nodeTypes", live.NodeTypes.Count, MaxListItems)
                ?? (live.Arguments is { } a ? ArgumentsProblem(a) : null)
                ?? (live.CustomNodeFolders is { } folders ? FoldersProblem(folders) : null);

    private static string? WebProblem(IReadOnlyList<KnownPackNodes> web) =>
        Count("webNodeTypes", web.Count, MaxListItems) ?? First(web, "webNodeTypes", k => k is null ? "missing"
            : k.NodeTypes is null ? "nodeTypes: missing"
            : Name("folder", k.Folder)
                ?? Optional("url", k.Url)
                ?? Text("where", k.Where)
                ?? Count("nodeTypes", k.NodeTypes.Count, MaxListItems)
                ?? k.NodeTypes.Select(t => Text("nodeTypes[]", t)).FirstOrDefault(p => p is not null));

    private static string? FoldersProblem(IReadOnlyDictionary<string, string> folders) =>
        Count("live.customNodeFolders", folders.Count, MaxListItems)
        ?? folders
            .Select(f =>
                Text($"live.customNodeFolders[{f.Key}]", f.Key)
                ?? (
                    ObjectInfoReader.PackFolder(ObjectInfoReader.CustomNodesModule + f.Value) == f.Value
                        ? null
                        : $"live.customNodeFolders[{f.Key}]: '{f.Value}' is not a folder name under custom_nodes"
                )
            )
            .FirstOrDefault(p => p is not null);

    private static string? ArgumentsProblem(ComfyUiArguments arguments) =>
        arguments.ExtraModelPathsConfigs is null
            ? "live.arguments.extraModelPathsConfigs: missing"
            : Optional("live.arguments.program", arguments.Program)
                ?? Optional("live.arguments.baseDirectory", arguments.BaseDirectory)
                ?? Optional("live.arguments.modelsDirectory", arguments.ModelsDirectory)
                ?? Optional("live.arguments.outputDirectory", arguments.OutputDirectory)
                ?? Count("live.arguments.extraModelPathsConfigs", arguments.ExtraModelPathsConfigs.Count, MaxListItems)
                ?? First(arguments.ExtraModelPathsConfigs, "live.arguments.extraModelPathsConfigs", c => Text("path", c));

    private static string? First<T>(IReadOnlyList<T> items, string name, Func<T, string?> problem)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (problem(items[i]) is { } found)
            {
                return $"{name}[{i}].{found}".Replace("].missing", "]: missing", StringComparison.Ordinal);
            }
        }

        return null;
    }

    private static string? Count(string name, int count, int max) =>
        count > max ? $"{name}: {count} items, at most {max} are accepted" : null;

    private static string? Name(string field, string? value) =>
        string.IsNullOrEmpty(value) ? $"{field}: missing or empty" : Text(field, value);

    private static string? Optional(string field, string? value) => value is null ? null : Text(field, value);

    private static string? Text(string field, string? value)
    {
        if (value is null)
        {
            return $"{field}: missing";
        }

        // Length only: a Linux file name may hold any byte but NUL and '/', and one odd name must not cost a whole scan.
        return value.Length > MaxText ? $"{field}: {value.Length} characters, at most {MaxText} are accepted" : null;
    }

    private static bool IsHex(string value, int length) =>
        value.Length == length && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
