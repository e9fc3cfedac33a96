using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Tests.Formats;

/// <summary>Kind and family from the header the format check reads: every fixture laid out as a real file of its kind.</summary>
public sealed class ArchitectureDetectionTests
{
    public static TheoryData<string> Fixtures() => [.. ArchitectureFixtures.All.Select(f => f.Name)];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void The_header_alone_says_the_kind_and_family(string name)
    {
        var fixture = ArchitectureFixtures.All.Single(f => f.Name == name);
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "model" + fixture.Extension);
        fixture.Write(path);

        AssertClassified(path, fixture.Kind, fixture.Family);
    }

    /// <summary>The file is valid and its format check says <paramref name="kind"/> and <paramref name="family"/>.</summary>
    internal static void AssertClassified(string path, string kind, string family)
    {
        var check = ModelFormatChecker.Check(path);

        Assert.Equal(FormatStatus.Valid, check.Status);
        Assert.NotNull(check.Architecture);
        Assert.Equal((kind, family), (check.Architecture.Kind, check.Architecture.Family));
    }

    [Fact]
    public void The_files_are_sparse_so_the_check_reads_headers_not_tensors()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "flux.safetensors");
        ArchitectureFixtures.All.Single(f => f.Name == "Flux.1 dev, fp8 e4m3").Write(path);

        Assert.True(new FileInfo(path).Length > 100_000_000, "the header describes more than 100 MB of tensors");
        Assert.Equal("flux1", ModelFormatChecker.Check(path).Architecture?.Family);
    }

    [Fact]
    public void Odd_names_never_break_the_check()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "odd.safetensors");
        new SafetensorsWriter()
            .Tensor("a.b.lora_down.weight", "F16", 2, 768)
            .Tensor("a_b.lora_down.weight", "F16", 2, 768) // flatten alike
            .Tensor("lora_unet_double_blocks_99999999999999999999999_x.lora_down.weight", "F16", 2, 3072)
            .Tensor("lora_unet_single_blocks_-1_x.lora_up.weight", "F16", 3072, 2)
            .WriteSparse(path);

        var check = ModelFormatChecker.Check(path);

        Assert.Equal(FormatStatus.Valid, check.Status);
        Assert.Equal(("lora", "unknown"), (check.Architecture?.Kind, check.Architecture?.Family));
    }

    [Fact]
    public void A_broken_header_is_not_classified()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "cut.safetensors");
        File.WriteAllBytes(path, SafetensorsWriter.Raw("{\"a\":", 0));

        var check = ModelFormatChecker.Check(path);

        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.Null(check.Architecture);
    }
}
