using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Registry;

namespace ComfyDoctor.Core.Tests.Diagnosis;

public sealed class ModelRulesTests
{
    private static readonly string Good = new('a', 64);
    private static readonly string Bad = new('b', 64);

    private static readonly ModelRegistry Registry = new([
        new RegistryEntry("checkpoints/good.safetensors", Good, 100, ["https://example.invalid/good"]),
        new RegistryEntry("loras/flipped.safetensors", Good, 100, []),
        new RegistryEntry("vae/short.safetensors", Good, 100, ["https://example.invalid/vae"]),
        new RegistryEntry("text_encoders/absent.safetensors", Good, null, ["https://example.invalid/t5"]),
    ]);

    [Fact]
    public void Classifies_every_model_defect()
    {
        var inventory = new InventoryBuilder()
            .Model("checkpoints/good.safetensors", Good)
            .Model("loras/flipped.safetensors", Bad)
            .Model("vae/short.safetensors", Bad, size: 80, FormatCheck.Broken("safetensors", "truncated"))
            .Model("upscale_models/extra.pth", Bad)
            .Model(
                "embeddings/evil.pt",
                Bad,
                format: new FormatCheck("pickle", FormatStatus.Unsafe, "imports posix.system, which run code", ["posix.system"])
            )
            .Build();

        var verdict = Diagnoser.Diagnose(ExpectedState.FromRegistry(Registry), inventory);
        var codes = verdict.Findings.Where(f => f.Category == HealthCategory.Models).Select(f => (f.Code, f.Subject)).ToHashSet();

        Assert.Contains((FindingCodes.ModelCorrupted, "loras/flipped.safetensors"), codes);
        Assert.Contains((FindingCodes.ModelCorrupted, "vae/short.safetensors"), codes);
        Assert.Contains((FindingCodes.ModelInvalid, "vae/short.safetensors"), codes);
        Assert.Contains((FindingCodes.ModelMissing, "text_encoders/absent.safetensors"), codes);
        Assert.Contains((FindingCodes.ModelUnknown, "upscale_models/extra.pth"), codes);
        Assert.Contains((FindingCodes.ModelUnsafe, "embeddings/evil.pt"), codes);
        Assert.DoesNotContain(codes, c => c.Subject == "checkpoints/good.safetensors");
        Assert.Equal(Light.Red, verdict.Health[HealthCategory.Models]);

        var truncated = verdict.Findings.Single(f => f.Code == FindingCodes.ModelCorrupted && f.Subject == "vae/short.safetensors");
        Assert.Contains("(truncated)", truncated.Message, StringComparison.Ordinal);
        Assert.True(truncated.Repairable);
        Assert.False(verdict.Findings.Single(f => f.Subject == "loras/flipped.safetensors").Repairable); // no source known
        Assert.Contains("posix.system", verdict.Findings.Single(f => f.Code == FindingCodes.ModelUnsafe).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_registry_only_format_problems_count()
    {
        var inventory = new InventoryBuilder()
            .Model("loras/a.safetensors", Good)
            .Model("loras/b.pt", Bad, format: new FormatCheck("pickle", FormatStatus.Suspicious, null, ["mymodule.Thing"]))
            .Build();

        var verdict = Diagnoser.Diagnose(ExpectedState.FromRegistry(ModelRegistry.Empty), inventory);

        var finding = Assert.Single(verdict.Findings, f => f.Category == HealthCategory.Models);
        Assert.Equal(FindingCodes.ModelSuspicious, finding.Code);
        Assert.Equal(Light.Yellow, verdict.Health[HealthCategory.Models]);
    }

    [Fact]
    public void The_first_file_in_root_order_is_the_one_judged()
    {
        var registry = new ModelRegistry([new RegistryEntry("loras/x.safetensors", Good, null, [])]);
        var shadowedByBad = new InventoryBuilder().Model("loras/x.safetensors", Bad).Model("loras/x.safetensors", Good).Build();
        var shadowedByGood = new InventoryBuilder().Model("loras/x.safetensors", Good).Model("loras/x.safetensors", Bad).Build();

        Assert.Contains(Diagnoser.Diagnose(ExpectedState.FromRegistry(registry), shadowedByBad).Findings, f =>
            f.Code == FindingCodes.ModelCorrupted
        );
        Assert.DoesNotContain(Diagnoser.Diagnose(ExpectedState.FromRegistry(registry), shadowedByGood).Findings, f =>
            f.Category == HealthCategory.Models
        );
    }

    [Fact]
    public void Workflow_models_that_are_absent_are_missing()
    {
        var expected = ExpectedState.FromRegistry(ModelRegistry.Empty) with
        {
            RequiredModels =
            [
                new RequiredModel("loras/need.safetensors", "https://example.invalid/need", null, ["wf.json"]),
                new RequiredModel("loras/have.safetensors", null, null, ["wf.json"]),
            ],
        };
        var verdict = Diagnoser.Diagnose(expected, new InventoryBuilder().Model("loras/have.safetensors", Good).Build());

        var missing = Assert.Single(verdict.Findings, f => f.Code == FindingCodes.ModelMissing);
        Assert.Equal("loras/need.safetensors", missing.Subject);
        Assert.Contains("wf.json", missing.Message, StringComparison.Ordinal);
        Assert.True(missing.Repairable);
    }

    [Fact]
    public void A_workflow_model_of_unknown_folder_is_found_in_any_folder()
    {
        var expected = ExpectedState.FromRegistry(ModelRegistry.Empty) with
        {
            RequiredModels =
            [
                new RequiredModel("unknown/sub/x.safetensors", null, null, ["wf.json"]),
                new RequiredModel("unknown/y.safetensors", null, null, ["wf.json"]),
            ],
        };
        var verdict = Diagnoser.Diagnose(expected, new InventoryBuilder().Model("loras/sub/x.safetensors", Good).Build());

        Assert.Equal("unknown/y.safetensors", Assert.Single(verdict.Findings, f => f.Code == FindingCodes.ModelMissing).Subject);
    }

    [Fact]
    public void Entries_the_scan_could_not_read_are_yellow_findings_never_silence()
    {
        var inventory = new InventoryBuilder().Model("checkpoints/good.safetensors", Good).Build() with
        {
            Skipped =
            [
                new SkippedEntry("checkpoints/x.safetensors", "/m/checkpoints/x.safetensors", SkipReason.NotAFile, "a FIFO"),
                new SkippedEntry("loras/a.safetensors", "/m/loras/a.safetensors", SkipReason.LinkLoop, "Too many levels of symbolic links"),
                new SkippedEntry("loras/private", "/m/loras/private", SkipReason.UnreadableFolder, "Permission denied"),
            ],
        };

        var verdict = Diagnoser.Diagnose(ExpectedState.FromRegistry(Registry), inventory);
        var found = verdict
            .Findings.Where(f => f.Code is FindingCodes.ModelNotAFile or FindingCodes.ModelUnreadable)
            .Select(f => (f.Code, f.Subject, f.Severity, f.Message))
            .ToList();

        Assert.Equal(
            [
                (
                    FindingCodes.ModelNotAFile,
                    "checkpoints/x.safetensors",
                    Severity.Warning,
                    "a FIFO named like a model file: never opened, not a model (ComfyUI lists the name but cannot load it)"
                ),
                (
                    FindingCodes.ModelUnreadable,
                    "loras/a.safetensors",
                    Severity.Warning,
                    "symbolic link loop (Too many levels of symbolic links): the name never reaches a file"
                ),
                (
                    FindingCodes.ModelUnreadable,
                    "loras/private",
                    Severity.Warning,
                    "folder cannot be read (Permission denied): the models in it were not checked"
                ),
            ],
            found
        );
    }
}
