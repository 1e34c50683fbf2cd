/** Photos being compressed and stored right now, across the page: a form waits for them before submitting. */
import { ref } from 'vue'

export const photosInProgress = ref(0)
