using ComfyDoctor.Core.Registry;

namespace ComfyDoctor.Core.Tests.Registry;

public sealed class RegistryFileReaderTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public void Reads_yaml()
    {
        var registry = Read(
            $"""
            models:
              - path: checkpoints/x.safetensors
                sha256: {Sha.ToUpperInvariant()}
                size: 1234
                urls: ["https://example.invalid/x.safetensors"]
              - path: clip/t5.safetensors
                sha256: {Sha}
            """
        );
        Assert.Equal(2, registry.Entries.Count);
        var x = registry.Find("checkpoints/x.safetensors")!;
        Assert.Equal(Sha, x.Sha256);
        Assert.Equal(1234, x.Size);
        Assert.Equal(["https://example.invalid/x.safetensors"], x.Urls);
        Assert.NotNull(registry.Find("text_encoders/t5.safetensors")); // legacy key mapped
    }

    [Fact]
    public void Reads_json_with_tabs()
    {
        var registry = Read("{\n\t\"models\": [\n\t\t{\"path\": \"vae/v.safetensors\", \"sha256\": \"" + Sha + "\", \"size\": 5}\n\t]\n}");
        Assert.Equal(5, registry.Find("vae/v.safetensors")!.Size);
    }

    [Theory]
    [InlineData(
        "models:\n  - path: checkpoints/x.ckpt\n    sha256: abc\n",
        "registry.yaml:3: models[0].sha256: expected 64 hex characters, got 'abc'"
    )]
    [InlineData("models:\n  - sha256: SHA\n", "registry.yaml:2: models[0].path: is missing")]
    [InlineData("models:\n  - path: ../../etc/passwd\n    sha256: SHA\n", "registry.yaml:2: models[0].path: identity '../../etc/passwd'")]
    [InlineData(
        "models:\n  - path: loras/a.safetensors\n    sha256: SHA\n    size: -3\n",
        "registry.yaml:4: models[0].size: expected a non-negative whole number"
    )]
    [InlineData(
        "models:\n  - path: loras/a.safetensors\n    sha256: SHA\n    urls: [\"ftp://x/y\"]\n",
        "registry.yaml:4: models[0].urls[0]: expected an absolute http, https or file URL"
    )]
    [InlineData(
        "models:\n  - path: loras/a.safetensors\n    sha256: SHA\n    kind: lycoris\n",
        "registry.yaml:4: models[0].kind: 'lycoris' is not one of checkpoint, diffusion-model, lora,"
    )]
    [InlineData(
        "models:\n  - path: loras/a.safetensors\n    sha256: SHA\n    family: sd15\n",
        "registry.yaml:4: models[0].family: 'sd15' is not one of sd1, sd2, sdxl,"
    )]
    [InlineData("models: 3\n", "registry.yaml:1: 'models' is missing or is not a list")]
    [InlineData("models:\n  - path: [unclosed\n", "registry.yaml:")]
    [InlineData("- just\n- a list\n", "registry.yaml:1: expected an object with a 'models' list")]
    public void Errors_name_file_line_and_field(string content, string expected)
    {
        var e = Assert.Throws<RegistryFormatException>(() => Read(content.Replace("SHA", Sha, StringComparison.Ordinal)));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_kind_and_family_as_codes_or_display_names()
    {
        var registry = Read(
            $"""
            models:
              - path: loras/a.safetensors
                sha256: {Sha}
                kind: LoRA
                family: SDXL
              - path: checkpoints/b.safetensors
                sha256: {Sha}
                kind: checkpoint
                family: flux1
              - path: vae/c.safetensors
                sha256: {Sha}
                kind: vae
                family: unknown
            """
        );
        Assert.Equal(("lora", "sdxl"), (registry.Find("loras/a.safetensors")!.Kind, registry.Find("loras/a.safetensors")!.Family));
        Assert.Equal(
            ("checkpoint", "flux1"),
            (registry.Find("checkpoints/b.safetensors")!.Kind, registry.Find("checkpoints/b.safetensors")!.Family)
        );
        Assert.Equal(("vae", null), (registry.Find("vae/c.safetensors")!.Kind, registry.Find("vae/c.safetensors")!.Family));
    }

    [Fact]
    public void Refuses_case_collisions()
    {
        var e = Assert.Throws<RegistryFormatException>(() =>
            Read(
                $"""
                models:
                  - path: loras/Style.safetensors
                    sha256: {Sha}
                  - path: loras/style.safetensors
                    sha256: {Sha}
                """
            )
        );
        Assert.Contains("models[1].path: 'loras/style.safetensors' collides with models[0]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_over_the_limit_is_refused_before_it_is_read()
    {
        var path = Path.Combine(Path.GetTempPath(), $"registry-{Guid.NewGuid():N}.json");
        try
        {
            using (var file = File.Create(path))
            {
                file.SetLength(RegistryFileReader.MaxBytes + 1); // sparse: no disk is used
            }

            var e = Assert.Throws<RegistryFormatException>(() => RegistryFileReader.ReadFile(path));
            Assert.Equal(
                $"{path}: {RegistryFileReader.MaxBytes + 1:N0} bytes is over the limit of 512 MiB for a registry file; split it, "
                    + "or import it into a server in parts",
                e.Message
            );
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Text_past_the_limit_is_refused_while_it_is_read()
    {
        var text = new StringReader(
            "models:\n" + string.Concat(Enumerable.Repeat($"  - path: loras/x.safetensors\n    sha256: {Sha}\n", 3))
        );
        var e = Assert.Throws<RegistryFormatException>(() => RegistryFileReader.Read("registry.yaml", text, maxChars: 100));
        Assert.Equal(
            "registry.yaml: more than 100 characters is over the limit of 100 characters for a registry file; split it, or import "
                + "it into a server in parts",
            e.Message
        );
    }

    [Fact]
    public void Entries_are_read_in_order_with_their_lines_in_errors_after_many_good_ones()
    {
        var entries = string.Concat(
            Enumerable.Range(0, 5_000).Select(i => $"  {{\"path\": \"loras/m{i}.safetensors\", \"sha256\": \"{Sha}\"}},\n")
        );
        var registry = Read("{\"models\": [\n" + entries + $"  {{\"path\": \"loras/last.safetensors\", \"sha256\": \"{Sha}\"}}\n]}}");
        Assert.Equal(5_001, registry.Entries.Count);
        var e = Assert.Throws<RegistryFormatException>(() =>
            Read("{\"models\": [\n" + entries + "  {\"path\": \"loras/bad.safetensors\", \"sha256\": \"nope\"}\n]}")
        );
        Assert.StartsWith("registry.yaml:5002: models[5000].sha256: expected 64 hex characters", e.Message, StringComparison.Ordinal);
    }

    private static ModelRegistry Read(string content) => RegistryFileReader.Read("registry.yaml", new StringReader(content));
}
