using System.Security.Cryptography;
using System.Text;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.FleetLoad;

/// <summary>
/// What a real render-farm worker reports, in numbers taken from real installations: about 300 model files over ComfyUI's
/// folders (big checkpoints, many LoRAs), 40 node packs checked out from git with their node classes, two volumes, one GPU,
/// and the running ComfyUI's node list. Every worker holds the same catalogue, with a few defects of its own (a corrupt
/// file, a missing one, a pack at another commit), drawn from a seed so that runs repeat.
/// </summary>
public static class FleetShapes
{
    /// <summary>Folder, how many files, typical size.</summary>
    private static readonly (string Folder, int Count, long Size)[] Folders =
    [
        ("checkpoints", 40, 6_938_078_334),
        ("loras", 150, 151_110_000),
        ("vae", 8, 334_641_164),
        ("controlnet", 30, 1_445_157_124),
        ("clip_vision", 6, 3_944_517_836),
        ("text_encoders", 10, 9_787_841_024),
        ("upscale_models", 12, 67_040_989),
        ("embeddings", 40, 24_000),
        ("diffusion_models", 10, 23_802_932_552),
    ];

    private const int NodePacks = 40;

    public sealed record Model(string Identity, string Sha256, long Size);

    /// <summary>The catalogue every worker should hold: also the server's registry.</summary>
    public static IReadOnlyList<Model> Catalogue { get; } = BuildCatalogue();

    /// <summary>The registry as the <c>POST /admin/models</c> body.</summary>
    public static string RegistryJson() =>
        System.Text.Json.JsonSerializer.Serialize(
            new
            {
                models = Catalogue.Select(m => new
                {
                    path = m.Identity,
                    sha256 = m.Sha256,
                    size = m.Size,
                    urls = new[] { $"https://models.example/{m.Sha256}" },
                }),
            }
        );

    public static WorkerInventory Inventory(string worker, int seed)
    {
        var random = new Random(seed);
        const string comfy = "/srv/ComfyUI";
        var roots = Folders.Select(f => new ModelRoot(f.Folder, $"{comfy}/models/{f.Folder}", "default")).ToList();
        var models = new List<ModelFile>();
        foreach (var model in Catalogue)
        {
            var roll = random.Next(200);
            if (roll == 0)
            {
                continue; // missing on this worker
            }

            var sha = roll == 1 ? Hex(worker + model.Identity, 64) : model.Sha256; // a corrupt copy
            var format =
                roll == 2
                    ? FormatCheck.Broken("safetensors", "header length 8,388,608 runs past the end of the file (truncated?)")
                    : FormatCheck.Ok("safetensors");
            models.Add(
                new ModelFile(
                    model.Identity,
                    $"{comfy}/models/{model.Identity}",
                    model.Size,
                    new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(300_000)),
                    sha,
                    format
                )
            );
        }

        var packs = Enumerable.Range(0, NodePacks).Select(i => Pack(comfy, i, random.Next(30) == 0 ? worker : "")).ToList();
        var environment = new EnvironmentFacts(
            [
                new DiskFacts("/", 512_000_000_000, 120_000_000_000 + random.Next(1000) * 100_000_000L, [$"{comfy}/models/checkpoints"]),
                new DiskFacts("/mnt/models", 4_000_000_000_000, 900_000_000_000, roots.Skip(1).Select(r => r.Path).ToList()),
            ],
            "v0.3.68",
            new PythonFacts($"{comfy}/venv/bin/python", "3.11.9", "2.5.1+cu124", "12.4", true, null),
            [new GpuFacts("NVIDIA GeForce RTX 4090", "550.127.05", 24564, "12.4")],
            []
        );
        var nodeTypes = CoreNodeTypes.Concat(packs.SelectMany(p => p.NodeClasses)).ToList();
        return new WorkerInventory(worker, DateTimeOffset.UtcNow, roots, models, packs, environment)
        {
            Live = new LiveComfyUi(
                "http://127.0.0.1:8188",
                nodeTypes,
                "0.3.68",
                "3.11.9",
                "2.5.1+cu124",
                ["cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync"]
            ),
        };
    }

    private static readonly List<string> CoreNodeTypes = Enumerable.Range(0, 450).Select(i => $"CoreNode{i:000}").ToList();

    private static NodePack Pack(string comfy, int index, string drift)
    {
        var name = $"ComfyUI-Pack{index:00}";
        var classes = Enumerable
            .Range(0, 5 + index * 3 % 55)
            .Select(c => $"{name.Replace("-", "", StringComparison.Ordinal)}Node{c}")
            .ToList();
        var git = new GitFacts(
            $"https://github.com/example-{index}/{name.ToLowerInvariant()}",
            Hex(name + drift, 40),
            index % 4 == 0 ? "v1.2.3" : null,
            drift.Length > 0
        );
        return new NodePack(name, $"{comfy}/custom_nodes/{name}", false, false, git, name.ToLowerInvariant(), "1.2.3", classes);
    }

    private static List<Model> BuildCatalogue() =>
        Folders
            .SelectMany(f =>
                Enumerable
                    .Range(0, f.Count)
                    .Select(i =>
                    {
                        var identity = $"{f.Folder}/{(i % 3 == 0 ? "sdxl/" : "")}{f.Folder}_model_{i:000}.safetensors";
                        return new Model(identity, Hex(identity, 64), f.Size + i * 4096L);
                    })
            )
            .ToList();

    private static string Hex(string seed, int length) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(seed)))[..length];
}
