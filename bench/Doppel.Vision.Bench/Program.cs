using Doppel.Vision.Bench;

// dotnet run -c Release --project bench/Doppel.Vision.Bench -- <command> [args]
return args switch
{
    ["pipeline", var images, ..] => PipelineSpeed.Run(images, args.Length > 2 ? int.Parse(args[2]) : 0, args.Length > 3 ? args[3] : "int8", args.Length > 4 ? args[4] : null),
    ["stages", var images, ..] => StageCosts.Run(images, args.Length > 2 ? int.Parse(args[2]) : 0),
    ["models", var images, ..] => ModelSpeed.Run(images, args.Length > 2 ? int.Parse(args[2]) : 0, args.Skip(3).ToArray()),
    ["group-photos", ..] => GroupPhotos.Run(args.Length > 1 ? int.Parse(args[1]) : 0),
    ["res10-speed", var images, ..] => Res10Speed.Run(images, args.Length > 2 ? int.Parse(args[2]) : 0),
    ["lfw-count", var images, ..] => LfwFaceCount.Run(images, args.Skip(2).ToArray()),
    ["front-vs-back", var images, ..] => FrontVersusBack.Run(images, args.Length > 2 ? int.Parse(args[2]) : 0),
    ["yunet-side", var root, ..] => YuNetInputSide.Run(root, args.Skip(2).Select(int.Parse).ToArray()),
    ["lfw-dump", var root, var outDir] => LfwDump.Run(root, outDir),
    ["lfw-template", var root, var outDir] => LfwTemplate.Run(root, outDir),
    ["int8", var model, var root, var calibration, var outDir, ..] => Int8Calibration.Run(model, root, calibration, outDir, args.Length > 5 ? int.Parse(args[5]) : 400),
    ["int8-dlib", var root, var calibration, var outDir, ..] => Int8Embedder.Run(root, calibration, outDir, args.Length > 4 ? int.Parse(args[4]) : 400),
    ["lfw-landmark-crops", var root, var outDir, ..] => LfwLandmarkCrops.Run(root, outDir, args.Skip(3).ToArray()),
    ["landmark-disagreement", var images, ..] => LandmarkDisagreement.Run(images, args.Length > 2 ? int.Parse(args[2]) : 0),
    ["harsh-crops", var shared, ..] => HarshCropCount.Run(shared, args.Length > 2 ? int.Parse(args[2]) : 300, args.Length > 3 ? int.Parse(args[3]) : 100, args.Skip(4).ToArray()),
    ["harsh-crops-write", var shared, var outDir, ..] => HarshCropCount.Write(shared, outDir, args.Length > 3 ? int.Parse(args[3]) : 300, args.Length > 4 ? int.Parse(args[4]) : 100),
    ["landmark-agreement", var images, ..] => LandmarkAgreement.Run(images, args.Length > 2 ? int.Parse(args[2]) : 0),
    ["quality-costs", var images, ..] => QualityCosts.Run(images, args.Length > 2 ? int.Parse(args[2]) : 0),
    ["decoder-choice", var images, ..] => DecoderChoice.Run(images, args.Length > 2 && args[2] != "-" ? args[2] : null, args.Length > 3 ? int.Parse(args[3]) : 20),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage:
          pipeline IMAGES_DIR [LIMIT] [int8|float] [DETECTOR]  whole pipeline (decode+detect+align+embed, default models), images/s
          stages IMAGES_DIR [LIMIT]             CPU ms per image of decode, BlazeFace (shipped vs prepared graph), align+embed; one thread
          models IMAGES_DIR [LIMIT] [EMBEDDER...]  every installed embedder (ms/face, batch 1 and 16; float and 8-bit graphs) and detector (ms/image), one thread; or only the embedders named
          group-photos [PASSES]                 whole pipeline on the face-api demo group photos: ms/image, ms/face, faces (22 expected)
          res10-speed IMAGES_DIR [LIMIT]        res10 SSD detection stage alone at the seed's settings, images/s
          lfw-count IMAGES_DIR [DETECTOR...]    images with 0 / 1 / several faces and with the centre face, per detector
          yunet-side WIDER_DIR [SIDE...]        YuNet WIDER AP (score 0.05) at several working resolutions
          lfw-dump LFW_DIR OUT                  raw recogniser outputs of every dev-pairs image under several alignments (then bench/peers/lfw_variants.py)
          int8 MODEL LFW_DIR CALIB_IMAGES OUT [N]  MODEL.ranges.json + 8-bit graph from N calibration faces; fused ops; cosine to float on LFW
          int8-dlib LFW_DIR CALIB_IMAGES OUT [N]  quantise dlib to 8 bits on N calibration faces; speed vs float; LFW vectors (OUT from lfw-dump)
          lfw-landmark-crops LFW_DIR OUT S:DY.. dlib vectors on face-api landmarks, crop scale S and shift DY (OUT from lfw-dump)
          lfw-template LFW_DIR OUT              where BlazeFace's keypoints land in dlib's 51-point chip (OUT from lfw-dump)
          harsh-crops SHARED_DATA [LFW_N] [GREY_N] [DETECTOR...]  share of dark / tight crops (HarshCrops) with exactly one usable face (old vs new default)
          harsh-crops-write SHARED_DATA OUT [LFW_N] [GREY_N]      write those crops as PNG to look at
          landmark-agreement IMAGES_DIR [LIMIT] UltraFace + faceplugin-landmark68 five points vs YuNet's, relative to interocular
          quality-costs IMAGES_DIR [LIMIT]      CPU ms per face of the dlib embedding and of each face-quality assessor (one thread)
          decoder-choice IMAGES_DIR [JPEG|-] [N] a 20 MP JPEG decoded in full (OpenCV), scaled (OpenCV libjpeg, ImageDecoder), scaled (SkiaSharp): ms, pixels
        """);
    return 2;
}
