using ComfyDoctor.Core.Comparison;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Tests.Diagnosis;

namespace ComfyDoctor.Core.Tests.Comparison;

public sealed class FleetComparisonTests
{
    private static readonly string A = new('a', 64);
    private static readonly string B = new('b', 64);

    private static WorkerInventory Worker(string name, Func<InventoryBuilder, InventoryBuilder> build) =>
        build(new InventoryBuilder()).Build() with
        {
            Worker = name,
        };

    [Fact]
    public void Marks_cells_that_differ_from_the_majority()
    {
        var result = FleetComparison.Compare(
            [
                Worker("w1", b =>
                    b.Model("loras/x.safetensors", A).Pack("kj", "https://github.com/kijai/ComfyUI-KJNodes", new string('1', 40))
                ),
                Worker("w2", b =>
                    b.Model("loras/x.safetensors", A).Pack("kj", "https://github.com/kijai/ComfyUI-KJNodes", new string('1', 40))
                ),
                Worker("w3", b =>
                    b.Model("loras/x.safetensors", B).Pack("kj", "https://github.com/kijai/ComfyUI-KJNodes", new string('2', 40))
                ),
            ],
            reference: null
        );

        var model = result.Rows.Single(r => r.Attribute == "loras/x.safetensors");
        Assert.Equal([false, false, true], result.Workers.Select(w => model.Differs[w]));
        var pack = result.Rows.Single(r => r.Category == "nodes");
        Assert.Equal("222222222222", pack.Values["w3"]);
        Assert.True(pack.Differs["w3"]);
        Assert.True(result.Rows.Single(r => r.Attribute == "python").Uniform);
    }

    [Fact]
    public void A_models_value_says_its_kind_and_family_after_its_hash()
    {
        var lora = FormatCheck.Ok("safetensors") with { Architecture = new Architecture.ModelArchitecture("lora", "sdxl") };
        var vae = FormatCheck.Ok("safetensors") with { Architecture = new Architecture.ModelArchitecture("vae", "unknown") };
        var result = FleetComparison.Compare(
            [
                Worker("w1", b =>
                    b.Model("loras/x.safetensors", A, format: lora)
                        .Model("vae/v.safetensors", A, format: vae)
                        .Model("loras/old.safetensors", B)
                ),
            ],
            reference: null
        );

        Assert.Equal("aaaaaaaaaaaaaaaa · LoRA, SDXL", result.Rows.Single(r => r.Attribute == "loras/x.safetensors").Values["w1"]);
        Assert.Equal("aaaaaaaaaaaaaaaa · VAE", result.Rows.Single(r => r.Attribute == "vae/v.safetensors").Values["w1"]);
        Assert.Equal("bbbbbbbbbbbbbbbb", result.Rows.Single(r => r.Attribute == "loras/old.safetensors").Values["w1"]); // not classified
    }

    [Fact]
    public void Answers_worker_one_has_model_x_but_worker_two_does_not_against_a_reference()
    {
        var result = FleetComparison.Compare(
            [Worker("w1", b => b.Model("checkpoints/x.safetensors", A)), Worker("w2", b => b), Worker("w3", b => b)],
            reference: "w1"
        );

        var row = result.Rows.Single(r => r.Attribute == "checkpoints/x.safetensors");
        Assert.Equal(FleetComparison.Absent, row.Values["w2"]);
        Assert.Equal([false, true, true], result.Workers.Select(w => row.Differs[w]));
        Assert.Throws<ArgumentException>(() => FleetComparison.Compare([Worker("w1", b => b)], reference: "nobody"));
    }
}
