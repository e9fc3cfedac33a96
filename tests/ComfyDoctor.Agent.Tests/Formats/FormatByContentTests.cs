using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Tests.Formats;

/// <summary>The checker follows the magic bytes, never the extension; a sound file the extension's loader cannot read is invalid.</summary>
public sealed class FormatByContentTests
{
    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("model.sft")]
    [InlineData("model.gguf")]
    [InlineData("model.bin")]
    [InlineData("model.pt2")]
    [InlineData("model.onnx")]
    public void A_hostile_pickle_is_found_whatever_it_is_called(string name)
    {
        var check = Check(name, PickleSamples.Calls("os", "system"));
        Assert.Equal((FormatStatus.Unsafe, "pickle"), (check.Status, check.Format));
        var zipped = Check(name, PickleSamples.Torch(PickleSamples.Calls("os", "system")));
        Assert.Equal((FormatStatus.Unsafe, "zip-pickle"), (zipped.Status, zipped.Format));
    }

    [Fact]
    public void A_harmless_pickle_named_safetensors_is_invalid_for_comfyui()
    {
        var check = Check("model.safetensors", PickleSamples.Torch(PickleSamples.StateDict()));
        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.Equal(
            "a PyTorch zip checkpoint named .safetensors: ComfyUI opens .safetensors files with the safetensors loader, which "
                + "cannot read it",
            check.Message
        );
    }

    [Fact]
    public void Safetensors_named_ckpt_is_checked_as_safetensors_and_invalid_for_torch_load()
    {
        var check = Check("model.ckpt", new SafetensorsWriter().Tensor("w", "F16", 2, 2).ToBytes());
        Assert.Equal((FormatStatus.Invalid, "safetensors"), (check.Status, check.Format));
        Assert.Equal("a safetensors file named .ckpt: ComfyUI opens .ckpt files with torch.load, which cannot read it", check.Message);
    }

    [Fact]
    public void A_zip_named_pt2_is_scanned_and_the_extension_has_no_say()
    {
        var check = Check("exported.pt2", PickleSamples.Torch(PickleSamples.StateDict()));
        Assert.Equal((FormatStatus.Valid, "zip-pickle"), (check.Status, check.Format));
    }

    [Fact]
    public void Files_of_other_formats_stay_unchecked_when_nothing_in_them_is_a_pickle()
    {
        Assert.Equal(
            FormatCheck.NotChecked("pt2"),
            Check("exported.pt2", new ZipBuilder().Add("archive/models/model.json", "{}"u8.ToArray()).ToBytes())
        );
        Assert.Equal(FormatCheck.NotChecked("onnx"), Check("model.onnx", "(protobuf bytes that are no pickle"u8.ToArray()));
        Assert.Equal(FormatCheck.NotChecked("onnx"), Check("model.onnx", [0x08, 0x07, 0x12, 0x04]));
    }

    [Fact]
    public void Text_named_safetensors_gets_the_safetensors_message_not_a_pickle_one()
    {
        using var dir = new TempDir();
        var check = ModelFormatChecker.Check(dir.WriteText("notes.safetensors", "(just some text that is not a model at all)"));
        Assert.Equal((FormatStatus.Invalid, "safetensors"), (check.Status, check.Format));
    }

    private static FormatCheck Check(string name, byte[] content)
    {
        using var dir = new TempDir();
        return ModelFormatChecker.Check(dir.Write(name, content));
    }
}
