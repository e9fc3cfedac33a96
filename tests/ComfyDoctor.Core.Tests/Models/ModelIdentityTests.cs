using ComfyDoctor.Core.Models;

namespace ComfyDoctor.Core.Tests.Models;

public sealed class ModelIdentityTests
{
    [Theory]
    [InlineData("checkpoints/x.safetensors", "checkpoints", "x.safetensors")]
    [InlineData("loras/sdxl/style/a b.safetensors", "loras", "sdxl/style/a b.safetensors")]
    [InlineData("clip/t5.safetensors", "text_encoders", "t5.safetensors")]
    [InlineData("unet/flux.gguf", "diffusion_models", "flux.gguf")]
    public void Parses_and_maps_legacy_keys(string value, string key, string relative)
    {
        var identity = ModelIdentity.Parse(value);
        Assert.Equal(key, identity.FolderKey);
        Assert.Equal(relative, identity.RelativePath);
        Assert.Equal($"{key}/{relative}", identity.Value);
    }

    [Theory]
    [InlineData("../etc/passwd", "'..'")]
    [InlineData("checkpoints/../../etc/passwd", "'..'")]
    [InlineData("checkpoints/./x", "'.'")]
    [InlineData("/etc/passwd", "absolute")]
    [InlineData("C:/Windows/x.ckpt", "absolute")]
    [InlineData("checkpoints\\x.ckpt", "backslash")]
    [InlineData("checkpoints/x\0.ckpt", "control character")]
    [InlineData("checkpoints//x.ckpt", "empty path segment")]
    [InlineData("x.safetensors", "no folder key")]
    [InlineData("check points/x.safetensors", "not a folder key")]
    [InlineData("checkpoints/c:x", "':'")]
    [InlineData("", "empty")]
    public void Refuses_hostile_identities(string value, string expected)
    {
        Assert.False(ModelIdentity.TryParse(value, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_non_normalised_unicode_twin()
    {
        var decomposed = "loras/cafe\u0301.safetensors"; // 'e' + combining acute: a twin of "café"
        Assert.False(ModelIdentity.TryParse(decomposed, out _, out var error));
        Assert.Contains("normal form C", error, StringComparison.Ordinal);
        Assert.True(ModelIdentity.TryParse("loras/caf\u00e9.safetensors", out _, out _));
    }

    [Fact]
    public void Refuses_over_long_names()
    {
        Assert.False(ModelIdentity.TryParse("loras/" + new string('a', 256), out _, out var segment));
        Assert.Contains("longer than 255", segment, StringComparison.Ordinal);
        var longPath = "loras/" + string.Join('/', Enumerable.Repeat(new string('b', 200), 6));
        Assert.False(ModelIdentity.TryParse(longPath, out _, out var total));
        Assert.Contains("at most 1024", total, StringComparison.Ordinal);
    }

    [Fact]
    public void FromRelative_normalises_windows_separators()
    {
        Assert.Equal("loras/sdxl/a.safetensors", ModelIdentity.FromRelative("loras", "sdxl\\a.safetensors").Value);
    }
}
