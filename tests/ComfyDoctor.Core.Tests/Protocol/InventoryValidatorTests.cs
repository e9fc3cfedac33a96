using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;
using ComfyDoctor.Core.Tests.Diagnosis;

namespace ComfyDoctor.Core.Tests.Protocol;

public sealed class InventoryValidatorTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public void A_sound_inventory_passes()
    {
        var inventory = new InventoryBuilder()
            .Model("loras/a.safetensors", Sha)
            .Model("checkpoints/b.ckpt", null)
            .Pack("Pack", "https://github.com/a/b", new string('a', 40), nodes: "Node")
            .Build();

        Assert.Null(InventoryValidator.Problem(inventory));
    }

    [Fact]
    public void A_file_name_with_a_newline_is_still_accepted()
    {
        Assert.Null(InventoryValidator.Problem(new InventoryBuilder().Model("loras/odd\nname.safetensors", Sha).Build()));
    }

    [Theory]
    [InlineData(
        "{\"worker\":\"w\",\"scannedAt\":\"2026-01-01T00:00:00Z\",\"modelRoots\":[],\"nodePacks\":[],\"environment\":{\"disks\":[],"
            + "\"gpus\":[],\"notes\":[]}}",
        "inventory: modelRoots, models, nodePacks and environment are all required"
    )]
    [InlineData(
        "{\"worker\":\"w\",\"scannedAt\":\"2026-01-01T00:00:00Z\",\"modelRoots\":[],\"models\":[],\"nodePacks\":[],"
            + "\"environment\":{\"gpus\":[],\"notes\":[]}}",
        "environment: disks, gpus and notes are all required"
    )]
    [InlineData(
        "{\"worker\":\"w\",\"scannedAt\":\"2026-01-01T00:00:00Z\",\"modelRoots\":[],\"models\":[null],\"nodePacks\":[],"
            + "\"environment\":{\"disks\":[],\"gpus\":[],\"notes\":[]}}",
        "models[0]: missing"
    )]
    [InlineData(
        "{\"worker\":\"w\",\"scannedAt\":\"2026-01-01T00:00:00Z\",\"modelRoots\":[],\"models\":[{\"identity\":\"loras/a\","
            + "\"path\":\"/m/loras/a\",\"size\":1,\"modifiedAt\":\"2026-01-01T00:00:00Z\",\"format\":{\"format\":\"safetensors\","
            + "\"status\":\"valid\"}}],\"nodePacks\":[{\"name\":\"P\",\"path\":\"/c/P\",\"isFile\":false,\"disabled\":false}],"
            + "\"environment\":{\"disks\":[],\"gpus\":[],\"notes\":[]}}",
        "nodePacks[0].nodeClasses: missing"
    )]
    public void A_wire_inventory_missing_a_part_is_refused_naming_it(string json, string problem)
    {
        Assert.Equal(problem, InventoryValidator.Problem(ReportJson.Deserialize<WorkerInventory>(json)));
    }

    [Fact]
    public void Malformed_values_are_refused_with_the_path_of_the_field()
    {
        Assert.Equal(
            "models[1].sha256: not 64 lower-case hex digits",
            InventoryValidator.Problem(new InventoryBuilder().Model("a/ok", Sha).Model("a/bad", Sha.ToUpperInvariant()).Build())
        );
        Assert.Equal(
            "models[0].size: -1 is negative",
            InventoryValidator.Problem(new InventoryBuilder().Model("a/neg", Sha, size: -1).Build())
        );
        Assert.Equal("models[0].identity: missing or empty", InventoryValidator.Problem(new InventoryBuilder().Model("", Sha).Build()));
        Assert.Equal(
            "nodePacks[0].git.commit: not a 40 or 64 digit lower-case hex commit",
            InventoryValidator.Problem(new InventoryBuilder().Pack("P", "https://x/y", "HEAD").Build())
        );
        Assert.Equal(
            "environment.disks[0].freeBytes: 10 of 5 total is impossible",
            InventoryValidator.Problem(new InventoryBuilder().Environment(e => e with { Disks = [new DiskFacts("/", 5, 10, [])] }).Build())
        );
        Assert.Equal(
            "models[0].format.architecture.family: missing or empty",
            InventoryValidator.Problem(
                new InventoryBuilder()
                    .Model(
                        "loras/a",
                        Sha,
                        format: FormatCheck.Ok("safetensors") with
                        {
                            Architecture = new ComfyDoctor.Core.Architecture.ModelArchitecture("lora", ""),
                        }
                    )
                    .Build()
            )
        );
        Assert.Equal(
            $"models[0].path: 5000 characters, at most {InventoryValidator.MaxText} are accepted",
            InventoryValidator.Problem(
                new InventoryBuilder().Build() with
                {
                    Models = [new ModelFile("a/b", new string('x', 5000), 1, DateTimeOffset.UnixEpoch, Sha, FormatCheck.Ok("safetensors"))],
                }
            )
        );
    }

    [Fact]
    public void Raw_paths_and_skipped_entries_from_the_wire_are_checked()
    {
        var raw = new InventoryBuilder().Build() with
        {
            Models =
            [
                new ModelFile(
                    "embeddings/evil\\xff.pt",
                    "/m/embeddings/evil\\xff.pt",
                    1,
                    DateTimeOffset.UnixEpoch,
                    Sha,
                    FormatCheck.Ok("pickle")
                )
                {
                    RawPath = "L20vZXZpbP8ucHQ=",
                },
            ],
        };
        Assert.Null(InventoryValidator.Problem(raw));
        Assert.Equal(
            "models[0].rawPath: not the base64 of a path",
            InventoryValidator.Problem(raw with { Models = [raw.Models[0] with { RawPath = "not base64!" }] })
        );
        Assert.Equal(
            "models[0].rawPath: not the base64 of a path",
            InventoryValidator.Problem(raw with { Models = [raw.Models[0] with { RawPath = "AA==" }] })
        ); // a NUL byte

        var skipped = raw with { Skipped = [new SkippedEntry("checkpoints/x.safetensors", "/m/x", SkipReason.NotAFile, "a FIFO")] };
        Assert.Null(InventoryValidator.Problem(skipped));
        Assert.Equal(
            "skipped[0].message: missing or empty",
            InventoryValidator.Problem(skipped with { Skipped = [skipped.Skipped![0] with { Message = "" }] })
        );
        Assert.Equal(
            "skipped[0].reason: 9 is not a reason",
            InventoryValidator.Problem(skipped with { Skipped = [skipped.Skipped![0] with { Reason = (SkipReason)9 }] })
        );
    }
}
