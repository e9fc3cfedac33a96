using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Tests.Diagnosis;

/// <summary>Builds inventories for rule tests: a healthy GPU worker unless a test says otherwise.</summary>
internal sealed class InventoryBuilder
{
    private readonly List<ModelFile> _models = [];
    private readonly List<NodePack> _packs = [];
    private EnvironmentFacts _env = new(
        [new DiskFacts("/", 2000L << 30, 900L << 30, ["/comfy/models"])],
        "0.3.66",
        new PythonFacts("/comfy/venv/bin/python", "3.11.7", "2.4.1+cu124", "12.4", true, null),
        [new GpuFacts("NVIDIA H100", "550.54.15", 81559, "12.4")],
        []
    );

    public InventoryBuilder Model(string identity, string? sha, long size = 100, FormatCheck? format = null)
    {
        _models.Add(
            new ModelFile(
                identity,
                "/comfy/models/" + identity,
                size,
                DateTimeOffset.UnixEpoch,
                sha,
                format ?? FormatCheck.Ok("safetensors")
            )
        );
        return this;
    }

    public InventoryBuilder Pack(
        string name,
        string? remote = null,
        string? commit = null,
        string? tag = null,
        bool disabled = false,
        bool dirty = false,
        string? version = null,
        params string[] nodes
    )
    {
        var git = remote is null && commit is null ? null : new GitFacts(remote, commit, tag, dirty);
        _packs.Add(new NodePack(name, "/comfy/custom_nodes/" + name, false, disabled, git, null, version, nodes));
        return this;
    }

    public InventoryBuilder Add(NodePack pack)
    {
        _packs.Add(pack);
        return this;
    }

    public InventoryBuilder Environment(Func<EnvironmentFacts, EnvironmentFacts> change)
    {
        _env = change(_env);
        return this;
    }

    public WorkerInventory Build() => new("w1", DateTimeOffset.UnixEpoch, [], _models, _packs, _env);
}
