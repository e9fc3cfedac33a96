using ComfyDoctor.Agent.Models;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Agent.Tests.Formats;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Tests.Scanning;

/// <summary>
/// Issue 15.5: a worker is judged by the roots its running ComfyUI really uses. ComfyUI itself cannot run here (no
/// PyTorch stack): tests/fixtures/fake_comfyui.py stands in for it, a real HTTP server on 127.0.0.1 that answers
/// <c>/system_stats</c> in ComfyUI's shape, with the command line it was "started" with in <c>system.argv</c>.
/// </summary>
public sealed class ComfyUiRootsTests
{
    private static readonly byte[] Model = new SafetensorsWriter().Tensor("weight", "F16", 4, 4).ToBytes();

    [Fact]
    public async Task The_shared_store_and_base_folder_comfyui_was_started_with_are_scanned()
    {
        using var dir = new TempDir();
        dir.WriteText("ComfyUI/main.py", "");
        dir.Write("shared/loras/from-argv.safetensors", Model);
        dir.WriteText("ComfyUI/shared.yaml", "store:\n  base_path: ../shared\n  loras: loras\n");
        dir.Write("base/models/checkpoints/in-base.safetensors", Model);
        dir.WriteText("base/custom_nodes/BasePack/__init__.py", "NODE_CLASS_MAPPINGS = {\"BaseNode\": object}\n");
        dir.Write("base/output/loras/trained.safetensors", Model);
        dir.Write("ComfyUI/models/checkpoints/not-used.safetensors", Model);
        dir.Write("agent-store/vae/from-agent.safetensors", Model);
        var agentYaml = dir.WriteText("agent.yaml", $"agent:\n  base_path: {dir.Combine("agent-store")}\n  vae: vae\n");
        // ComfyUI runs from its folder as "python main.py …": relative paths are read against that folder.
        await using var comfy = await FakeComfyUi.StartAsync(
            dir.Combine("ComfyUI"),
            ["KSampler"],
            dir.Path,
            ["main.py", "--listen", "--extra-model-paths-config", "shared.yaml", "--base-directory", "../base"]
        );

        var inventory = await new WorkerScanner().ScanAsync(
            new ScanOptions(dir.Combine("ComfyUI"), [agentYaml], false, 2, null, null, "w1")
            {
                ComfyUrl = comfy.Url,
                ProbeTimeout = TimeSpan.FromSeconds(10),
            },
            null,
            CancellationToken.None
        );

        var identities = inventory.Models.Select(m => m.Identity).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            ["checkpoints/in-base.safetensors", "loras/from-argv.safetensors", "loras/trained.safetensors", "vae/from-agent.safetensors"],
            identities
        );
        Assert.Contains(inventory.ModelRoots, r =>
            r.Path == dir.Combine("shared", "loras") && r.Source.EndsWith("shared.yaml [store]", StringComparison.Ordinal)
        );
        Assert.Contains(inventory.ModelRoots, r => r.Path == dir.Combine("base", "output", "loras") && r.Source == "output folder");
        Assert.Equal(["BasePack"], inventory.NodePacks.Select(p => p.Name)); // custom_nodes under --base-directory, as ComfyUI loads them
        Assert.Contains("BaseNode", inventory.Live!.NodeTypes);
        Assert.Equal(["shared.yaml"], inventory.Live.Arguments!.ExtraModelPathsConfigs);
        Assert.DoesNotContain(inventory.Environment.Notes, n => n.Contains("not read", StringComparison.Ordinal));
    }

    [Fact]
    public void Arguments_of_another_installation_or_an_unknown_working_folder_are_said_not_guessed()
    {
        using var dir = new TempDir();
        var comfy = dir.Combine("ComfyUI");
        Directory.CreateDirectory(comfy);

        var other = ComfyUiPaths.Of(comfy, new ComfyUiArguments("/opt/Other/main.py", "/srv/base", null, null, []));
        Assert.Equal(Path.Combine(comfy, "models"), other.Models); // not applied
        Assert.Contains("not this installation", Assert.Single(other.Notes), StringComparison.Ordinal);

        var absolute = ComfyUiPaths.Of(comfy, new ComfyUiArguments(Path.Combine(comfy, "main.py"), "rel-base", null, "/out", ["x.yaml"]));
        Assert.Equal((Path.Combine(comfy, "rel-base", "models"), "/out"), (absolute.Models, absolute.Output));
        Assert.Equal([Path.Combine(comfy, "x.yaml")], absolute.ExtraConfigs);
        Assert.Equal(2, absolute.Notes.Count(n => n.Contains("working folder is not known", StringComparison.Ordinal)));

        var fromParent = ComfyUiPaths.Of(comfy, new ComfyUiArguments("ComfyUI/main.py", null, "store/models", null, []));
        Assert.Equal(dir.Combine("store", "models"), fromParent.Models); // "python ComfyUI/main.py" ran in the parent folder
        Assert.Empty(fromParent.Notes);

        var roots = ModelRootResolver.Resolve(ComfyUiPaths.Of(comfy, new ComfyUiArguments("main.py", null, null, null, ["gone.yaml"])), []);
        Assert.Contains(
            $"{Path.Combine(comfy, "gone.yaml")} (ComfyUI's extra model paths) not read",
            Assert.Single(roots.Notes),
            StringComparison.Ordinal
        );
    }
}
