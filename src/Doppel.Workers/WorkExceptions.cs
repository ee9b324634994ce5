using Doppel.Storage;

namespace Doppel.Workers;

/// <summary>A worker whose model differs from the one the set's vectors are made with refuses the set's jobs
/// (vectors of two model versions are never compared): the job is retried, by a worker with the right model
/// if there is one, and fails visibly when none takes it.</summary>
public sealed class ModelVersionMismatchException(string message) : CatalogException(message);
