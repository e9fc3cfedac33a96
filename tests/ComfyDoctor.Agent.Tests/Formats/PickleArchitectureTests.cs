using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Hashing;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Architecture;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Registry;
using static ComfyDoctor.Core.Architecture.ModelFamilies;
using static ComfyDoctor.Core.Architecture.ModelKinds;

namespace ComfyDoctor.Agent.Tests.Formats;

/// <summary>
/// Kind and family of pickle files from the tensor names (and shapes) the safety walk reads anyway: torch zips,
/// legacy torch files and raw pickles laid out as <c>torch.save</c> writes real models of each kind.
/// </summary>
public sealed class PickleArchitectureTests
{
    /// <summary>A kohya SDXL LoRA: UNet layers (2,048-wide cross-attention) and both text encoders.</summary>
    private static readonly (string, long[])[] SdxlLora =
    [
        ("lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.lora_down.weight", [8, 2048]),
        ("lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.lora_up.weight", [640, 8]),
        ("lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.alpha", []),
        ("lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q.lora_down.weight", [8, 640]),
        ("lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q.lora_up.weight", [640, 8]),
        ("lora_te1_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", [8, 768]),
        ("lora_te1_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight", [768, 8]),
        ("lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", [8, 1280]),
        ("lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight", [1280, 8]),
    ];

    private static readonly (string, long[])[] Sd15Checkpoint =
    [
        .. ArchitectureFixtures.Prefixed("model.diffusion_model.", ArchitectureFixtures.Sd1Unet),
        ("first_stage_model.encoder.conv_in.weight", [128, 3, 3, 3]),
        ("first_stage_model.decoder.conv_in.weight", [512, 4, 3, 3]),
        ("cond_stage_model.transformer.text_model.embeddings.token_embedding.weight", [49408, 768]),
        ("cond_stage_model.transformer.text_model.encoder.layers.0.self_attn.q_proj.weight", [768, 768]),
    ];

    private static readonly (string, long[])[] Vae =
    [
        ("encoder.conv_in.weight", [128, 3, 3, 3]),
        ("encoder.conv_out.weight", [8, 512, 3, 3]),
        ("quant_conv.weight", [8, 8, 1, 1]),
        ("post_quant_conv.weight", [4, 4, 1, 1]),
        ("decoder.conv_in.weight", [512, 4, 3, 3]),
        ("decoder.conv_out.weight", [3, 128, 3, 3]),
    ];

    /// <summary>RealESRGAN_x4plus as BasicSR saves it: the weights under <c>params_ema</c>.</summary>
    private static readonly (string, long[])[] Esrgan =
    [
        ("conv_first.weight", [64, 3, 3, 3]),
        ("body.0.rdb1.conv1.weight", [32, 64, 3, 3]),
        ("body.0.rdb1.conv1.bias", [32]),
        ("conv_body.weight", [64, 64, 3, 3]),
        ("conv_up1.weight", [64, 64, 3, 3]),
        ("conv_last.weight", [3, 64, 3, 3]),
    ];

    public static TheoryData<string> Layouts() => [.. Samples().Select(s => s.Name)];

    private static IEnumerable<(string Name, string File, byte[] Content, string Kind, string Family)> Samples()
    {
        yield return (
            "SD1.5 full checkpoint, torch zip (Lightning state_dict)",
            "v1-5.ckpt",
            PickleSamples.Torch(TorchStateDicts.Wrapped("state_dict", Sd15Checkpoint)),
            Checkpoint,
            Sd1
        );
        yield return ("SDXL LoRA, torch zip .pt", "style.pt", PickleSamples.Torch(TorchStateDicts.Of(SdxlLora)), Lora, Sdxl);
        yield return ("SDXL LoRA, legacy torch .bin", "style.bin", PickleSamples.Legacy(TorchStateDicts.Of(SdxlLora)), Lora, Sdxl);
        yield return ("VAE, raw pickle .pt", "vae.pt", TorchStateDicts.Of(Vae), ModelKinds.Vae, ModelFamilies.Unknown);
        yield return (
            "VAE, torch zip under state_dict, deflated",
            "vae-ft-mse.ckpt",
            ZipBuilder.Torch(TorchStateDicts.Wrapped("state_dict", Vae), deflate: true).ToBytes(),
            ModelKinds.Vae,
            ModelFamilies.Unknown
        );
        yield return (
            "embedding, string_to_param (A1111)",
            "my-style.pt",
            PickleSamples.Torch(TorchStateDicts.Embedding(8, 768)),
            ModelKinds.Embedding,
            Sd1
        );
        yield return (
            "embedding, emb_params",
            "negative.pt",
            PickleSamples.Torch(TorchStateDicts.Of([("emb_params", [16, 1024])])),
            ModelKinds.Embedding,
            Sd2
        );
        yield return (
            "ESRGAN upscaler .pth (BasicSR params_ema)",
            "RealESRGAN_x4plus.pth",
            PickleSamples.Torch(TorchStateDicts.Wrapped("params_ema", Esrgan)),
            Upscaler,
            ModelFamilies.Unknown
        );
        yield return (
            "SD1.5 checkpoint of tensor subclasses (_rebuild_from_type_v2)",
            "attrs.pt",
            PickleSamples.Torch(TorchStateDicts.OfSubclassed(Sd15Checkpoint)),
            Checkpoint,
            Sd1
        );
        yield return (
            "none of these: torch.save of a small module",
            "model.pt",
            PickleSamples.Torch(PickleSamples.StateDict()),
            ModelKinds.Unknown,
            ModelFamilies.Unknown
        );
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_pickle_is_classified_from_the_tensor_names_and_shapes_its_walk_reads(string name)
    {
        var sample = Samples().Single(s => s.Name == name);
        using var dir = new TempDir();

        ArchitectureDetectionTests.AssertClassified(dir.Write(sample.File, sample.Content), sample.Kind, sample.Family);
    }

    [Fact]
    public void The_shapes_come_from_the_size_tuples_the_rebuild_calls_carry()
    {
        using var dir = new TempDir();
        var sd21 = Sd15Checkpoint.Select(t =>
            t.Item1.EndsWith("attn2.to_k.weight", StringComparison.Ordinal) ? (t.Item1, new long[] { 320, 1024 }) : t
        );

        var check = PickleFileChecker.Check(dir.Write("v2-1.ckpt", PickleSamples.Torch(TorchStateDicts.Wrapped("state_dict", sd21))));

        Assert.Equal((Checkpoint, Sd2), (check.Architecture?.Kind, check.Architecture?.Family)); // the names alone are SD1.5's
    }

    [Fact]
    public void An_unsafe_or_broken_pickle_keeps_its_verdict_and_is_not_classified()
    {
        using var dir = new TempDir();
        var lora = TorchStateDicts.Of(SdxlLora);
        var hostile = TorchStateDicts
            .StateDict(new PickleBuilder().Proto(2).Raw((byte)'}').Mark().BinUnicode("state_dict"), SdxlLora)
            .BinUnicode("hook")
            .Global("os", "system")
            .CallWithOneString()
            .Raw((byte)'u')
            .Stop()
            .ToBytes();

        var unsafeCheck = ModelFormatChecker.Check(dir.Write("hostile.pt", PickleSamples.Torch(hostile)));
        var cut = ModelFormatChecker.Check(dir.Write("cut.pt", lora[..(lora.Length - 40)]));

        Assert.Equal((FormatStatus.Unsafe, null), (unsafeCheck.Status, unsafeCheck.Architecture));
        Assert.Contains("os.system", unsafeCheck.Message, StringComparison.Ordinal);
        Assert.Equal((FormatStatus.Invalid, null), (cut.Status, cut.Architecture));
    }

    [Fact]
    public void Names_without_shapes_give_the_kind_but_never_a_guessed_family()
    {
        // Tensors rebuilt by a helper whose size the scan does not follow (a tensor subclass, _rebuild_wrapper_subclass).
        var pickle = new PickleBuilder().Proto(2).Global("collections", "OrderedDict").EmptyTuple().Reduce().Mark();
        foreach (var (name, _) in ArchitectureFixtures.Prefixed("model.diffusion_model.", ArchitectureFixtures.Sd1Unet))
        {
            pickle.BinUnicode(name).Global("torch._utils", "_rebuild_wrapper_subclass").Mark().None().Tuple().Reduce();
        }

        using var dir = new TempDir();
        var check = ModelFormatChecker.Check(dir.Write("unet.pt", PickleSamples.Torch(pickle.Raw((byte)'u').Stop().ToBytes())));

        Assert.Equal(FormatStatus.Valid, check.Status);
        Assert.Equal((DiffusionModel, ModelFamilies.Unknown), (check.Architecture?.Kind, check.Architecture?.Family));
        Assert.Contains("not seen", check.Architecture?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_names_kept_are_bounded_whatever_the_file_holds()
    {
        var names = Enumerable.Range(0, PickleStateDict.MaxNames + 500).Select(i => ($"blocks.{i}.weight", new long[] { 4 }));
        var pickle = TorchStateDicts.Of(names);
        using var dir = new TempDir();
        var imports = new PickleImportSet();

        new PickleScanner(new PickleReader(new MemoryStream(pickle), long.MaxValue), imports).ScanOne();
        var check = ModelFormatChecker.Check(dir.Write("huge.pt", PickleSamples.Torch(pickle)));

        Assert.Equal(PickleStateDict.MaxNames, imports.StateDict.Tensors().Count);
        Assert.Equal((FormatStatus.Valid, ModelKinds.Unknown), (check.Status, check.Architecture?.Kind));
    }

    [Fact]
    public async Task A_pickle_lora_in_checkpoints_is_misplaced_and_a_rescan_reads_nothing()
    {
        using var dir = new TempDir();
        dir.Write("models/checkpoints/style_lora.pt", PickleSamples.Torch(TorchStateDicts.Of(SdxlLora)));
        dir.Write("models/checkpoints/module.pt", PickleSamples.Torch(PickleSamples.StateDict())); // none of the kinds: no finding
        var hostile = TorchStateDicts
            .StateDict(new PickleBuilder().Proto(2), SdxlLora)
            .Mark()
            .BinUnicode("hook")
            .Global("os", "system")
            .CallWithOneString()
            .Raw((byte)'u')
            .Stop()
            .ToBytes();
        dir.Write("models/checkpoints/hostile_lora.pt", PickleSamples.Torch(hostile)); // unsafe, and only that
        dir.Write("models/loras/style_lora.pt", PickleSamples.Torch(TorchStateDicts.Of(SdxlLora)));
        dir.Write("models/checkpoints/v1-5.ckpt", PickleSamples.Torch(TorchStateDicts.Wrapped("state_dict", Sd15Checkpoint)));
        var roots = Agent.Models.ModelRootResolver.Resolve(dir.Path, []).ModelRoots.ToList();
        var cache = HashCache.InMemory();
        var hasher = new FileHasher();
        var scanner = new ModelScanner(cache, hasher, ModelFormatChecker.Check);

        var models = await scanner.ScanAsync(roots, false, 1, null, CancellationToken.None);
        var cold = hasher.BytesRead;
        var again = await scanner.ScanAsync(roots, false, 1, null, CancellationToken.None);

        var inventory = new WorkerInventory("w1", DateTimeOffset.UnixEpoch, [], models, [], EnvironmentFacts.Unknown);
        var findings = Diagnoser.Diagnose(ExpectedState.FromRegistry(ModelRegistry.Empty), inventory).Findings;
        var misplaced = Assert.Single(findings, f => f.Code == FindingCodes.ModelMisplaced);
        Assert.Equal(("checkpoints/style_lora.pt", Severity.Error), (misplaced.Subject, misplaced.Severity));
        Assert.EndsWith("it belongs in loras/", misplaced.Message, StringComparison.Ordinal);
        Assert.Equal(["checkpoints/hostile_lora.pt"], findings.Where(f => f.Code == FindingCodes.ModelUnsafe).Select(f => f.Subject));
        Assert.DoesNotContain(findings, f => f.Subject == "checkpoints/module.pt");
        Assert.Equal(models.Sum(m => m.Size), cold); // each file read once, to hash it
        Assert.Equal(0, hasher.BytesRead - cold); // a routine re-scan reads nothing
        Assert.Equal(models.Select(m => m.Format.Architecture), again.Select(m => m.Format.Architecture));
    }
}
