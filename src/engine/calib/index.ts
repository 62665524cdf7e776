// Calibration-aware compression: capture layer inputs (ORT), then pure fits over typed arrays.
export { addZeroBias, captureLayerInputs, captureFromModel, calibLayer, type CalibBatch, type CalibLayer, type CapturedTensor } from './capture';
export { refitAlphaBeta, biasCorrection, layerSensitivity, outputError, type BinaryMethod, type RefitOptions, type RefitResult } from './fit';
export { layerWindows, type Windows, type WindowOptions } from './windows';
export { convGeometry, geometryOfNode, canonicalRows, fromCanonicalRows, type LayerGeometry, type ConvGeometry, type DenseGeometry } from './geometry';
export { modelOutputSensitivity, type SensitivityOptions } from './sensitivity';
export { prepareCalibration, calibrateLayerWeights, readCalibNpy, type PreparedCalibration, type PreparedLayer, type CalibratedWeights } from './prepare';
export { calibrateSequential, type SequentialLayer, type SequentialResult } from './sequential';
