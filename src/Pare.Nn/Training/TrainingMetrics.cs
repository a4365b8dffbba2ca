using System.Text.Json;
using Pare.Core.Serialization;

namespace Pare.Nn.Training;

/// <summary>Writes metrics.json: a JSON array with one object per epoch (classifiers) or per evaluation (language
/// models), then a final object (<c>"final": true</c>) whose figure is <c>test_accuracy</c> or <c>val_loss</c> —
/// the same fields as ../shared/peers/torch_train.py prints.</summary>
public static class TrainingMetrics
{
    /// <summary>Writes <paramref name="result"/> of <paramref name="run"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, TrainingRun run, TrainingResult result)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(result);
        AtomicFile.Write(path, stream =>
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartArray();
            foreach (var m in result.Epochs)
            {
                Start(w, run);
                w.WriteNumber("epoch", m.Epoch);
                w.WriteNumber("train_loss", Math.Round(m.TrainLoss, 5));
                w.WriteNumber("train_accuracy", Math.Round(m.TrainAccuracy, 5));
                w.WriteNumber("test_accuracy", m.TestAccuracy);
                w.WriteNumber("epoch_s", Math.Round(m.EpochSeconds, 2));
                w.WriteEndObject();
            }
            foreach (var m in result.Evaluations)
            {
                Start(w, run);
                w.WriteNumber("step", m.Step);
                w.WriteNumber("train_loss", Math.Round(m.TrainLoss, 5));
                w.WriteNumber("val_loss", Math.Round(m.ValidationLoss, 5));
                w.WriteNumber("elapsed_s", Math.Round(m.ElapsedSeconds, 1));
                w.WriteEndObject();
            }
            Start(w, run);
            w.WriteBoolean("final", true);
            w.WriteNumber("seed", run.Seed);
            if (result.IsLanguageModel)
            {
                w.WriteNumber("val_loss", Math.Round(result.ValidationLoss, 5));
                w.WriteNumber("steps", result.Evaluations[^1].Step);
            }
            else
            {
                w.WriteNumber("test_accuracy", result.TestAccuracy);
                w.WriteNumber("epoch_s", Math.Round(result.Epochs.Average(m => m.EpochSeconds), 2));
            }
            w.WriteNumber("total_s", Math.Round(result.TotalSeconds, 1));
            w.WriteNumber("params", result.Parameters);
            w.WriteEndObject();
            w.WriteEndArray();
        });
    }

    private static void Start(Utf8JsonWriter w, TrainingRun run)
    {
        w.WriteStartObject();
        w.WriteString("model", run.Model);
        w.WriteString("data", run.Data);
    }
}
