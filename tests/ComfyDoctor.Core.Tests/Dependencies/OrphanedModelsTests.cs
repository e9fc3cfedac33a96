using ComfyDoctor.Core.Dependencies;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Tests.Diagnosis;

namespace ComfyDoctor.Core.Tests.Dependencies;

public sealed class OrphanedModelsTests
{
    private static WorkerInventory Worker(string name, Func<InventoryBuilder, InventoryBuilder> build) =>
        build(new InventoryBuilder()).Build() with
        {
            Worker = name,
        };

    [Fact]
    public void Models_no_workflow_uses_are_orphans_with_their_copies_and_the_space_they_would_free()
    {
        var orphans = OrphanedModels.Find(
            [new WorkflowNeeds("wf", ["checkpoints/used.safetensors", "unknown/detail.safetensors"], [])],
            [
                Worker("w1", b =>
                    b.Model("checkpoints/used.safetensors", null, 1000)
                        .Model("checkpoints/old.safetensors", null, 700)
                        .Model("loras/detail.safetensors", null, 50)
                        .Model("upscale_models/x4.pth", null, 30)
                ),
                Worker("w2", b => b.Model("checkpoints/old.safetensors", null, 700)),
            ]
        );

        Assert.Equal(["checkpoints/old.safetensors", "upscale_models/x4.pth"], orphans.Models.Select(m => m.Identity));
        var old = orphans.Models[0];
        Assert.Equal(1400, old.Bytes);
        Assert.Equal(["w1", "w2"], old.Copies.Select(c => c.Worker));
        Assert.All(old.Copies, c => Assert.Equal("/", c.Volume)); // the builder's one volume holds /comfy/models
        Assert.Equal(1430, orphans.TotalBytes);
        Assert.Equal([("w1", 730L, 2), ("w2", 700L, 1)], orphans.Volumes.Select(v => (v.Worker, v.Bytes, v.Files)));
    }

    [Fact]
    public void Without_registered_workflows_every_model_is_an_orphan_and_a_path_outside_every_volume_has_none()
    {
        var orphans = OrphanedModels.Find(
            [],
            [
                Worker("w1", b =>
                    b.Model("checkpoints/a.safetensors", null, 5)
                        .Environment(e => e with { Disks = [new DiskFacts("/data", 10, 5, ["/elsewhere/models"])] })
                ),
            ]
        );

        Assert.Equal(5, orphans.TotalBytes);
        Assert.Null(Assert.Single(orphans.Models).Copies[0].Volume);
    }
}
