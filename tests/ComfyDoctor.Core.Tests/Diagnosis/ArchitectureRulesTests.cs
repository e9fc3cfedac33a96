using ComfyDoctor.Core.Architecture;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Registry;

namespace ComfyDoctor.Core.Tests.Diagnosis;

public sealed class ArchitectureRulesTests
{
    private static readonly string Sha = new('a', 64);

    private static FormatCheck Is(string kind, string family) =>
        FormatCheck.Ok("safetensors") with
        {
            Architecture = new ModelArchitecture(kind, family),
        };

    private static List<Finding> Findings(InventoryBuilder inventory, ExpectedState? expected = null) =>
        [.. Diagnoser.Diagnose(expected ?? ExpectedState.FromRegistry(ModelRegistry.Empty), inventory.Build()).Findings];

    [Theory]
    [InlineData("checkpoints/style.safetensors", ModelKinds.Lora, "loras/")]
    [InlineData("loras/sdxl_vae.safetensors", ModelKinds.Vae, "vae/")]
    [InlineData("vae/full.safetensors", ModelKinds.Checkpoint, "checkpoints/")]
    [InlineData("diffusion_models/t5.safetensors", ModelKinds.TextEncoder, "text_encoders/")]
    [InlineData("controlnet/ip.safetensors", ModelKinds.IpAdapter, "ipadapter/")]
    [InlineData("upscale_models/cn.safetensors", ModelKinds.ControlNet, "controlnet/")]
    [InlineData("embeddings/x4.safetensors", ModelKinds.Upscaler, "upscale_models/")]
    public void A_kind_the_folders_loader_will_not_load_is_red_and_names_its_folder(string identity, string kind, string home)
    {
        var findings = Findings(new InventoryBuilder().Model(identity, Sha, format: Is(kind, ModelFamilies.Sdxl)));

        var misplaced = Assert.Single(findings, f => f.Code == FindingCodes.ModelMisplaced);
        Assert.Equal((Severity.Error, identity), (misplaced.Severity, misplaced.Subject));
        Assert.EndsWith("it belongs in " + home, misplaced.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("checkpoints/flux_dev.safetensors", ModelKinds.DiffusionModel)] // CheckpointLoaderSimple falls back to a diffusion model
    [InlineData("diffusion_models/sdxl.safetensors", ModelKinds.Checkpoint)] // UNETLoader takes a checkpoint's diffusion model
    [InlineData("text_encoders/sd15.safetensors", ModelKinds.Checkpoint)] // not certain: no alarm
    [InlineData("controlnet/unknown.safetensors", ModelKinds.Unknown)]
    [InlineData("ipadapter/lora.safetensors", ModelKinds.Lora)] // a custom node's folder: not judged
    [InlineData("loras/style.safetensors", ModelKinds.Lora)]
    public void Loadable_uncertain_or_unknown_is_no_finding(string identity, string kind)
    {
        var findings = Findings(new InventoryBuilder().Model(identity, Sha, format: Is(kind, ModelFamilies.Sdxl)));

        Assert.DoesNotContain(findings, f => f.Code is FindingCodes.ModelMisplaced or FindingCodes.ModelArchitectureMismatch);
    }

    [Fact]
    public void An_identity_without_a_folder_from_the_wire_is_not_judged()
    {
        var findings = Findings(new InventoryBuilder().Model("no-folder.safetensors", Sha, format: Is(ModelKinds.Lora, ModelFamilies.Sd1)));

        Assert.DoesNotContain(findings, f => f.Code == FindingCodes.ModelMisplaced);
    }

    [Fact]
    public void A_broken_file_is_not_judged_by_its_kind()
    {
        var broken = FormatCheck.Broken("safetensors", "truncated") with
        {
            Architecture = new ModelArchitecture(ModelKinds.Lora, ModelFamilies.Sd1),
        };
        var findings = Findings(new InventoryBuilder().Model("checkpoints/cut.safetensors", Sha, format: broken));

        Assert.DoesNotContain(findings, f => f.Code == FindingCodes.ModelMisplaced);
    }

    [Fact]
    public void A_registry_kind_or_family_the_header_contradicts_is_red()
    {
        var registry = new ModelRegistry([
            new RegistryEntry("loras/detail.safetensors", Sha, null, []) { Kind = ModelKinds.Lora, Family = ModelFamilies.Sdxl },
            new RegistryEntry("checkpoints/base.safetensors", Sha, null, []) { Kind = ModelKinds.Checkpoint },
            new RegistryEntry("vae/any.safetensors", Sha, null, []) { Kind = ModelKinds.Vae, Family = ModelFamilies.Sdxl },
            new RegistryEntry("loras/right.safetensors", Sha, null, []) { Kind = ModelKinds.Lora, Family = ModelFamilies.Flux1 },
        ]);
        var inventory = new InventoryBuilder()
            .Model("loras/detail.safetensors", new string('b', 64), format: Is(ModelKinds.Lora, ModelFamilies.Sd1))
            .Model("checkpoints/base.safetensors", Sha, format: Is(ModelKinds.DiffusionModel, ModelFamilies.Flux1))
            .Model("vae/any.safetensors", Sha, format: Is(ModelKinds.Vae, ModelFamilies.Unknown))
            .Model("loras/right.safetensors", Sha, format: Is(ModelKinds.Lora, ModelFamilies.Flux1));

        var mismatches = Findings(inventory, ExpectedState.FromRegistry(registry))
            .Where(f => f.Code == FindingCodes.ModelArchitectureMismatch)
            .ToList();

        Assert.Equal(
            ["checkpoints/base.safetensors", "loras/detail.safetensors"],
            mismatches.Select(f => f.Subject).Order(StringComparer.Ordinal)
        );
        Assert.All(mismatches, f => Assert.Equal(Severity.Error, f.Severity));
        var lora = mismatches.Single(f => f.Subject == "loras/detail.safetensors").Message;
        Assert.Equal("the registry says LoRA, SDXL; the file's header says LoRA, SD1.x", lora);
        Assert.Contains(
            "registry entry is likely what is wrong",
            mismatches.Single(f => f.Subject == "checkpoints/base.safetensors").Message,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void A_workflow_loading_an_add_on_of_another_family_is_yellow_with_the_evidence()
    {
        var expected = ExpectedState.FromRegistry(ModelRegistry.Empty) with
        {
            RequiredModels =
            [
                new RequiredModel("checkpoints/sdxl.safetensors", null, null, ["portrait.json", "mixed.json"]),
                new RequiredModel("loras/sd15_detail.safetensors", null, null, ["portrait.json"]),
                new RequiredModel("unknown/sdxl_style.safetensors", null, null, ["portrait.json"]),
                new RequiredModel("checkpoints/sd15.safetensors", null, null, ["mixed.json"]),
                new RequiredModel("loras/sd15_detail.safetensors", null, null, ["mixed.json"]),
            ],
        };
        var inventory = new InventoryBuilder()
            .Model("checkpoints/sdxl.safetensors", Sha, format: Is(ModelKinds.Checkpoint, ModelFamilies.Sdxl))
            .Model("checkpoints/sd15.safetensors", Sha, format: Is(ModelKinds.Checkpoint, ModelFamilies.Sd1))
            .Model("loras/sd15_detail.safetensors", Sha, format: Is(ModelKinds.Lora, ModelFamilies.Sd1))
            .Model("loras/sdxl_style.safetensors", Sha, format: Is(ModelKinds.Lora, ModelFamilies.Sdxl));

        var mismatch = Assert.Single(Findings(inventory, expected), f => f.Code == FindingCodes.ModelArchitectureMismatch);

        // portrait.json: an SDXL checkpoint with an SD1.x LoRA. mixed.json has base models of two families: no inference.
        Assert.Equal((Severity.Warning, "loras/sd15_detail.safetensors"), (mismatch.Severity, mismatch.Subject));
        Assert.StartsWith(
            "workflow 'portrait.json' loads checkpoints/sdxl.safetensors (SDXL) and this LoRA for SD1.x",
            mismatch.Message,
            StringComparison.Ordinal
        );
    }
}
