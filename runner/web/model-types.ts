// The model types a web export's page can run (model_type in the model's config.json).
import { LSTM_CLASSIFIER } from '../../stages/classifier/model-type.ts';

export const WEB_MODEL_TYPES = [LSTM_CLASSIFIER, 'gpt2', 'gpt2-lora'] as const;
