using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Tests.Inventory;

public sealed class TorchFamilyTests
{
    [Theory]
    [InlineData("torch", null, true)]
    [InlineData("TorchVision", "0.20.1", true)]
    [InlineData("xformers", "0.0.28.post3", true)]
    [InlineData("nvidia-cudnn-cu12", "9.1.0.70", true)]
    [InlineData("pytorch_triton", "3.1.0", true)]
    [InlineData("some-kernel", "1.0+cu124", true)]
    [InlineData("onnxruntime", "1.20.0", false)]
    [InlineData("numpy", "1.26.4", false)]
    [InlineData("torch_scatter", "2.1.2", true)]
    public void Names_and_cuda_builds(string name, string? version, bool family) =>
        Assert.Equal(family, TorchFamily.Contains(name, version));

    [Theory]
    [InlineData("Pillow", "pillow")]
    [InlineData("ruamel.yaml", "ruamel-yaml")]
    [InlineData("typing__extensions", "typing-extensions")]
    public void Names_are_normalised_as_pep_503_says(string name, string normalised) =>
        Assert.Equal(normalised, PythonPackageNames.Normalize(name));

    [Theory]
    [InlineData("2.5.1+cu124", true)]
    [InlineData("0.0.28.post3", true)]
    [InlineData("1.0 --index-url x", false)]
    [InlineData("1.0;rm", false)]
    [InlineData(">=1.0", false)]
    [InlineData("", false)]
    public void Only_plain_versions_are_valid(string version, bool valid) =>
        Assert.Equal(valid, PythonPackageNames.IsValidVersion(version));
}
